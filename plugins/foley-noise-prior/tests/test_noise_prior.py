from __future__ import annotations

import pluggy
import torch

from foley_noise_prior import hooks
from foley_noise_prior.prior import NoisePriorEncoder


def test_shapes_and_no_latent_condition():
    prior = NoisePriorEncoder(inter_channels=8, hidden_channels=16, n_layers=2)
    m_p, logs_p = prior(torch.tensor([0, 6]), None, 30)
    assert m_p.shape == logs_p.shape == (2, 8, 30)
    assert prior.latent_channels == 0


def test_noise_in_training_only():
    torch.manual_seed(0)
    prior = NoisePriorEncoder(inter_channels=8, hidden_channels=16, n_layers=2)
    ids = torch.tensor([3])
    assert not torch.allclose(prior(ids, None, 10)[0], prior(ids, None, 10)[0])
    prior.eval()
    torch.testing.assert_close(prior(ids, None, 10)[0], prior(ids, None, 10)[0])


def test_hook_stores_the_wide_preset():
    class Store:
        def __init__(self):
            self.nodes = {}

        def store(self, group, name, node, provider=None):
            self.nodes[(group, name)] = node

    pm = pluggy.PluginManager("foley_toolkit")
    pm.register(hooks)
    store = Store()
    pm.hook.toolkit_register_configs(config_store=store)
    bundle = store.nodes[("model", "vifs_noise")]
    assert {"prior_encoder": "noise"} in bundle["defaults"]
    assert bundle["prior_encoder"] == {"n_layers": 8, "noise_std": 2.0}


def test_hook_gives_the_prior_a_tiny_size():
    pm = pluggy.PluginManager("foley_toolkit")
    pm.register(hooks)
    assert pm.hook.toolkit_model_sizes() == [{"tiny": {"prior_encoder": {"noise": {"n_layers": 2}}}}]

from __future__ import annotations

import torch

from toolkit.components.flows.residual_coupling import ResidualCouplingFlow


def _randomise_zero_init_outputs(flow: ResidualCouplingFlow) -> None:
    for coupling in flow.flows:
        torch.nn.init.normal_(coupling.post.weight, std=0.3)
        torch.nn.init.normal_(coupling.post.bias, std=0.3)


def test_flow_starts_as_a_channel_permutation():
    flow = ResidualCouplingFlow(inter_channels=8, hidden_channels=16, gin_channels=4, n_layers=2, n_flows=4)
    x = torch.randn(2, 8, 30)
    # zero-initialised outputs: each coupling is the identity, four flips cancel out
    assert torch.equal(flow(x, torch.randn(2, 4, 1)), x)


def test_flow_inverse_reconstructs_input():
    torch.manual_seed(0)
    flow = ResidualCouplingFlow(inter_channels=8, hidden_channels=16, gin_channels=4, n_layers=2, n_flows=4)
    _randomise_zero_init_outputs(flow)
    x, g = torch.randn(3, 8, 40), torch.randn(3, 4, 1)
    y = flow(x, g)
    assert not torch.allclose(y, x.flip(1).flip(1), atol=1e-2)
    assert torch.allclose(flow(y, g, reverse=True), x, atol=1e-5)
    assert torch.allclose(flow(flow(x, g, reverse=True), g), x, atol=1e-5)


def test_flow_is_conditioned_on_g():
    torch.manual_seed(0)
    flow = ResidualCouplingFlow(inter_channels=8, hidden_channels=16, gin_channels=4, n_layers=2, n_flows=2)
    _randomise_zero_init_outputs(flow)
    x = torch.randn(1, 8, 20)
    assert not torch.allclose(flow(x, torch.zeros(1, 4, 1)), flow(x, torch.ones(1, 4, 1)))

"""pluggy hooks of foley-noise-prior: a model bundle ``model=vifs_noise`` (the VIFS bundle with this
plugin's prior, widened, and no latent-condition loss) and the prior's ``tiny`` size (``model/size=tiny``,
the demo's)."""
from __future__ import annotations

from importlib.resources import files

import pluggy
from omegaconf import OmegaConf

hookimpl = pluggy.HookimplMarker("foley_toolkit")

BUNDLE_NAME = "vifs_noise"
#: merged over the prior encoder's node (built by the toolkit from NoisePriorEncoder's defaults)
WIDE_PRIOR = {"n_layers": 8, "noise_std": 2.0}
#: merged over the prior encoder's node under ``model/size=tiny`` (other sizes keep its defaults)
TINY_PRIOR = {"n_layers": 2}


def vifs_noise_bundle() -> dict:
    """The toolkit's packaged VIFS bundle with ``prior_encoder: noise`` chosen and widened."""
    bundle = OmegaConf.to_container(OmegaConf.load(str(files("toolkit.conf") / "model" / "vifs.yaml")))
    bundle["defaults"] = [
        {"prior_encoder": "noise"} if isinstance(entry, dict) and "prior_encoder" in entry else entry
        for entry in bundle["defaults"]
    ]
    bundle["prior_encoder"] = dict(WIDE_PRIOR)
    bundle["loss"]["latent"] = 0.0
    return bundle


@hookimpl
def toolkit_register_configs(config_store):
    config_store.store(group="model", name=BUNDLE_NAME, node=vifs_noise_bundle(), provider="foley-noise-prior")


@hookimpl
def toolkit_model_sizes():
    return {"tiny": {"prior_encoder": {"noise": dict(TINY_PRIOR)}}}

"""The packaged Hydra config tree (``pkg://toolkit.conf``).

Importing it registers the resolvers its YAML uses to derive the model's settings from the data's
(Hydra imports the package when it composes; :mod:`toolkit.models.builder` imports it for saved configs).
"""
from __future__ import annotations

from omegaconf import OmegaConf

#: Categories of the model when no dataset gives them (``toolkit summary``, parity tests, benchmarks).
DEFAULT_N_CATEGORIES = 7


def _n_categories(categories) -> int:
    return DEFAULT_N_CATEGORIES if categories is None else len(categories)


def _n_freqs(n_fft) -> int:
    return int(n_fft) // 2 + 1


def _frames(clip_samples, hop_length) -> int:
    return int(clip_samples) // int(hop_length)


for _name, _resolver in (("toolkit.n_categories", _n_categories), ("toolkit.n_freqs", _n_freqs),
                         ("toolkit.frames", _frames)):
    OmegaConf.register_new_resolver(_name, _resolver, replace=True)

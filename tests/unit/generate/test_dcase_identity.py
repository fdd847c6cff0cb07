"""DCASE output is bit-identical to the first release: clip seeds are keyed on the exact category name, so a
fixed checkpoint generates the same files as before category sets existed, and the demo synthesiser too.

The expected hashes were computed with the toolkit before category sets (commit dfac1a5) on CPU, float32,
one thread; the checkpoint's weights are a deterministic function of each tensor's name, not of the RNG.
"""
from __future__ import annotations

import hashlib

import numpy as np
import torch
from omegaconf import OmegaConf

from toolkit.config import compose_config
from toolkit.data.demo import synthesise_clip
from toolkit.generate import GenerateOptions, generate_clips
from toolkit.models.builder import build_generator
from toolkit.train.checkpoint import CheckpointManager

#: A small VIFS at the DCASE settings, every size spelled out (later default changes cannot alter it).
OVERRIDES = ["model=vifs", "model.inter_channels=8", "model.hidden_channels=8", "model.gin_channels=8",
             "model.decoder.upsample_initial_channel=16", "model.decoder.resblock_kernel_sizes=[3]",
             "model.decoder.resblock_dilation_sizes=[[1,3,5]]", "model.prior_encoder.wn_layers=2",
             "model.prior_encoder.fpn_kernel_size=5", "model.prior_encoder.fpn_layers=2",
             "model.posterior_encoder.n_layers=2", "model.flow.n_layers=1", "model.flow.n_flows=2",
             "model.decoder.upsample_rates=[8,8,2,2]", "model.decoder.upsample_kernel_sizes=[16,16,4,4]"]
BEFORE = {
    "audio/DogBark/0001.wav": "622c03c09df40da7b51a04e7c7be17e28dab8747490b4c26e9cfd5efa1a6a96f",
    "audio/DogBark/0002.wav": "90833ef19dcb68457eafedcdd26f68b89396c8864d5af2f9097bcd53d127d0ff",
    "audio/Sneeze_Cough/0001.wav": "6370203e5e54ddaba03369cba460eb2bc5537c2cd69d4f15a70728aa38fdc854",
    "audio/Sneeze_Cough/0002.wav": "eed17384c0d93ba644d5d6b4a4c10d6d3887d5025f228a4f1a908fe1c6d83c69",
}
DEMO_BEFORE = {0: "ed99a754fcbaad7e37e213aeec9fd5dd5e2e02e4455fc88d2886c1e9bcfafc6e",
               6: "f32358ec79c92e78031bd09db2ed046733c669218c68353c7ab2d80f4ca3cbc7"}


def _weight(name: str, shape: tuple[int, ...]) -> torch.Tensor:
    """A tensor that depends only on its name and shape: a sine with a name-derived phase."""
    phase = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big") / 2**32 * 6.283
    values = np.sin(np.arange(int(np.prod(shape)), dtype=np.float64) * 0.7853 + phase)
    scale = 1.0 if name.endswith("original0") else 0.3
    return torch.from_numpy((values * scale).astype(np.float32).reshape(shape))


def test_dcase_clips_are_bit_identical_to_before_category_sets(tmp_path):
    cfg = compose_config(OVERRIDES)
    generator = build_generator(cfg.model)
    generator.load_state_dict({k: _weight(k, tuple(v.shape)) for k, v in generator.state_dict().items()})
    manager = CheckpointManager(tmp_path)
    resolved = OmegaConf.create(OmegaConf.to_container(cfg, resolve=True))
    manager.save({"generator": generator.state_dict(), "discriminator": {}, "step": 0,
                  "config": OmegaConf.to_yaml(resolved)}, periodic=False)
    options = GenerateOptions(checkpoint=str(manager.last), categories=["DogBark", "sneeze_cough"],
                              clips_per_category=2, seed=1234, device="cpu", threads=1, out_dir=str(tmp_path / "gen"))
    out = generate_clips(tmp_path, options, progress=False)
    after = {path: hashlib.sha256((out / path).read_bytes()).hexdigest() for path in BEFORE}
    assert after == BEFORE
    assert sorted(p.name for p in (out / "generated_audio").iterdir()) == ["dog_bark", "sneeze_cough"]


def test_demo_clips_are_bit_identical_to_before_category_sets():
    after = {cid: hashlib.sha256(synthesise_clip(cid, 0, 0).tobytes()).hexdigest() for cid in DEMO_BEFORE}
    assert after == DEMO_BEFORE

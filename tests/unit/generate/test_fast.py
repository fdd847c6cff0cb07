"""The folded inference path agrees with the plain eval-mode ``Synthesizer.infer``; CPU bf16 and ``auto``."""
from __future__ import annotations

import logging
import shutil

import pytest
import torch
from torch.nn.utils import parametrize

from toolkit import numerics
from toolkit.errors import ConfigError
from toolkit.generate.fast import CPU_MAX_BATCH, FastGenerator, fold_weight_norm, prepare_for_inference

from .conftest import tiny_pair

IDS = [0, 3, 6, 2]
SEEDS = [11, 12, 13, 14]


@pytest.mark.parametrize("bundle", ["vifs", "vits"])
def test_fast_path_matches_plain_infer(bundle):
    plain, other, _ = tiny_pair([f"model={bundle}"])
    fast = FastGenerator(other, "cpu")
    scales = [0.667, 1.0, 0.5, 0.8]
    with torch.no_grad():
        expected = plain.infer(torch.tensor(IDS), torch.tensor(scales), SEEDS).squeeze(1)
    got = fast(IDS, scales, SEEDS)
    assert got.shape == (len(IDS), plain.num_frames * plain.hop_length)
    assert expected.abs().max() > 0
    assert (got - expected).abs().max() <= 1e-4


def test_fast_path_drops_posterior_and_folds_weight_norm():
    plain, other, _ = tiny_pair()
    fast = FastGenerator(other, "cpu")
    assert fast.model.posterior_encoder is None
    assert not any(parametrize.is_parametrized(m) for m in fast.model.modules())
    assert not any(p.requires_grad for p in fast.model.parameters())
    assert any(parametrize.is_parametrized(m) for m in plain.modules())


def test_folding_weight_norm_keeps_outputs():
    plain, folded, _ = tiny_pair()
    assert fold_weight_norm(folded) > 0
    ids = torch.tensor(IDS)
    with torch.no_grad():
        difference = plain.infer(ids, 0.667, SEEDS) - folded.infer(ids, 0.667, SEEDS)
    assert difference.abs().max() <= 1e-5


def test_batch_size_does_not_change_a_clip():
    _, model, _ = tiny_pair()
    fast = FastGenerator(model, "cpu")
    together = fast(IDS, 0.667, SEEDS)
    one_by_one = torch.cat([fast([i], 0.667, [s]) for i, s in zip(IDS, SEEDS)])
    pairs = torch.cat([fast(IDS[:2], 0.667, SEEDS[:2]), fast(IDS[2:], 0.667, SEEDS[2:])])
    assert (together - one_by_one).abs().max() <= 1e-5
    assert (together - pairs).abs().max() <= 1e-5
    assert (together[0] - together[1]).abs().max() > 1e-3  # different seeds give different clips


def test_auto_batch_size_follows_the_budget():
    _, model, _ = tiny_pair()
    fast = FastGenerator(model, "cpu")
    per_clip = fast.clip_bytes()
    assert per_clip > 0
    assert fast.auto_batch_size(per_clip * 2.5 / 2**30, max_batch=8) == 2
    assert fast.auto_batch_size(per_clip * 0.1 / 2**30, max_batch=8) == 1
    assert fast.auto_batch_size(1000.0, max_batch=8) == 8
    assert fast.auto_batch_size(1000.0) == CPU_MAX_BATCH
    with pytest.raises(ConfigError, match="memory_budget_gb"):
        fast.auto_batch_size(-1.0)


def _dtypes_seen(model: torch.nn.Module, run) -> set[torch.dtype]:
    """The dtypes of every leaf module's tensor output during ``run()``."""
    seen = set()

    def record(_module, _inputs, output):
        if isinstance(output, torch.Tensor):
            seen.add(output.dtype)

    handles = [m.register_forward_hook(record) for m in model.modules() if not list(m.children())]
    try:
        run()
    finally:
        for handle in handles:
            handle.remove()
    return seen


def test_fp32_is_the_plain_folded_model_bit_for_bit():
    plain, model, _ = tiny_pair()
    reference = prepare_for_inference(plain)
    fast = FastGenerator(model, "cpu", precision="fp32")
    with torch.inference_mode():
        expected = reference.infer(torch.tensor(IDS), torch.tensor([0.667] * 4), SEEDS).squeeze(1)
    assert torch.equal(fast(IDS, 0.667, SEEDS), expected)
    assert _dtypes_seen(fast.model, lambda: fast(IDS, 0.667, SEEDS)) == {torch.float32}


def test_cpu_bf16_runs_in_bf16_close_to_fp32(caplog):
    _, fp32_model, _ = tiny_pair()
    _, bf16_model, _ = tiny_pair()
    fp32 = FastGenerator(fp32_model, "cpu")
    with caplog.at_level(logging.WARNING):
        bf16 = FastGenerator(bf16_model, "cpu", precision="bf16")
    assert bf16.precision == "bf16" and "differs slightly from fp32" in caplog.text
    assert torch.bfloat16 in _dtypes_seen(bf16.model, lambda: bf16(IDS, 0.667, SEEDS))
    expected, got = fp32(IDS, 0.667, SEEDS), bf16(IDS, 0.667, SEEDS)
    assert got.dtype == torch.float32 and not torch.equal(got, expected)
    snr_db = 10 * torch.log10(expected.pow(2).sum() / (got - expected).pow(2).sum())
    assert snr_db > 20  # random tiny weights; the trained demo model's SNR is in docs/performance.md


@pytest.mark.parametrize("native, expected", [(True, "bf16"), (False, "fp32")])
def test_auto_precision_follows_native_bf16(monkeypatch, native, expected):
    monkeypatch.setattr(numerics, "native_bf16", lambda device: native)
    _, model, _ = tiny_pair()
    assert FastGenerator(model, "cpu", precision="auto").precision == expected


def test_fp16_on_the_cpu_and_unknown_precisions_are_refused():
    _, model, _ = tiny_pair()
    with pytest.raises(ConfigError, match="generate.precision=fp16 needs a GPU; on the CPU use bf16"):
        FastGenerator(model, "cpu", precision="fp16")
    with pytest.raises(ConfigError, match="precision 'int8' is unknown"):
        FastGenerator(model, "cpu", precision="int8")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None,
                    reason="torch.compile on the CPU (inductor) needs a C compiler")
def test_compiled_generation_matches_eager():
    plain, model, _ = tiny_pair()
    eager = FastGenerator(plain, "cpu")
    compiled = FastGenerator(model, "cpu", compile=True)
    assert (compiled(IDS, 0.667, SEEDS) - eager(IDS, 0.667, SEEDS)).abs().max() <= 1e-4

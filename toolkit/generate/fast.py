"""The fast inference path: a folded, generation-only :class:`Synthesizer`, batch sizing from a
memory budget, and the run-time settings (threads, autocast, torch.compile).

The folded model produces the same audio as the plain eval-mode :meth:`Synthesizer.infer` (it *is* that method,
run on folded weights under ``torch.inference_mode``); only ``precision`` other than fp32 changes it
(see :mod:`toolkit.numerics`).
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Iterator, Sequence

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn.utils import parametrize

from toolkit.audio import fit_length
from toolkit.errors import ConfigError
from toolkit.numerics import autocast, native_bf16, resolve_precision

if TYPE_CHECKING:
    from toolkit.generate.plan import ClipJob

logger = logging.getLogger(__name__)

#: Peak activation memory of one clip, as a multiple of the largest single module output. The HiFi-GAN
#: multi-receptive-field stage holds its input, three branch outputs, their stack and a branch's
#: temporaries at once (about 12 such tensors); the rest is headroom for convolution workspaces.
ACTIVATION_FACTOR = 16
#: Largest batch the automatic choice picks on a CPU. One clip's full-rate activations (about 11 MB per
#: tensor) already fill the caches; measured on 2 cores, batches of 4 or 7 cost more per clip than
#: batch 1 (see docs/performance.md).
CPU_MAX_BATCH = 1
GPU_MAX_BATCH = 256


def fold_weight_norm(module: nn.Module) -> int:
    """Replace every weight-norm parametrization under ``module`` by its plain weight; returns the count."""
    folded = 0
    for child in module.modules():
        if parametrize.is_parametrized(child, "weight"):
            parametrize.remove_parametrizations(child, "weight", leave_parametrized=True)
            folded += 1
    return folded


def prepare_for_inference(model: nn.Module) -> nn.Module:
    """Turn a synthesizer into a generation-only model, in place: the posterior encoder (training only) is
    dropped, weight norm folded into plain weights, eval mode, no gradients.

    In place because a parametrization cannot be removed from a deep copy without breaking the original
    (the two share the parametrized class); rebuild or reload the model if the original is still needed.
    """
    if getattr(model, "posterior_encoder", None) is not None:
        model.posterior_encoder = None
    count = fold_weight_norm(model)
    logger.debug("folded weight norm in %d modules", count)
    return model.eval().requires_grad_(False)


def resolve_device(name: str | None) -> torch.device:
    """``auto``/None picks CUDA when available, else the CPU."""
    if name in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ConfigError(f"generate.device '{name}' is not a torch device; use auto, cpu or cuda[:N]") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"generate.device '{name}' asks for CUDA but no GPU is visible; use device=cpu")
    return device


class FastGenerator:
    """Generates clips with ``model`` on ``device``; takes the model over (:func:`prepare_for_inference`).

    ``precision`` bf16 (CPU or GPU) or fp16 (GPU) runs the model under autocast, the audio then differs
    slightly from fp32 and a warning says so; ``auto`` is bf16 where the device has native bf16, else fp32.
    ``compile`` wraps the prior encoder, flow and decoder in ``torch.compile``.
    """

    def __init__(self, model: nn.Module, device: str | torch.device | None = "auto", precision: str = "fp32",
                 compile: bool = False):
        self.device = resolve_device(device) if not isinstance(device, torch.device) else device
        precision = resolve_precision(precision, self.device, "generate.precision")
        if precision != "fp32":
            logger.warning("generating under %s autocast: the audio differs slightly from fp32", precision)
        if precision == "bf16" and not native_bf16(self.device):
            logger.warning("%s has no native bf16: it is emulated and slower than fp32", self.device)
        self.precision = precision
        self.model = prepare_for_inference(model).to(self.device)
        if compile:
            self._compile()

    def _compile(self) -> None:
        model = self.model
        model.prior_encoder.compile()
        model.flow.compile()
        model.decoder.synthesize = torch.compile(model.decoder.synthesize)
        logger.info("torch.compile enabled for the prior encoder, flow and decoder")

    def __call__(self, category_ids: Sequence[int] | Tensor, noise_scales: float | Sequence[float] | Tensor,
                 seeds: Sequence[int]) -> Tensor:
        """Clips [B, num_frames * hop_length] as float32 on the CPU; each depends only on its category, scale and seed."""
        ids = torch.as_tensor(category_ids, dtype=torch.long, device=self.device)
        scales = torch.as_tensor(noise_scales, dtype=torch.float32)
        with torch.inference_mode(), autocast(self.device, self.precision):
            audio = self.model.infer(ids, scales, list(seeds))
        return audio.squeeze(1).float().cpu()

    def batches(self, jobs: Sequence[ClipJob], batch_size: int,
                clip_samples: int) -> Iterator[tuple[Sequence[ClipJob], np.ndarray]]:
        """``(batch of jobs, their clips [b, clip_samples])`` in order, ``batch_size`` jobs at a time; each clip is
        zero-padded (or cropped) to ``clip_samples``, the training clips' length."""
        for start in range(0, len(jobs), batch_size):
            batch = jobs[start : start + batch_size]
            audio = self([j.category_id for j in batch], [j.noise_scale for j in batch], [j.seed for j in batch])
            yield batch, fit_length(audio.numpy(), clip_samples)

    def clip_bytes(self) -> int:
        """Estimated peak activation memory of one clip: one clip is generated while forward hooks record
        the largest module output (this also warms the model up)."""
        largest = 0

        def record(_module, _inputs, output):
            nonlocal largest
            if isinstance(output, Tensor):
                largest = max(largest, output.numel() * output.element_size())

        handles = [m.register_forward_hook(record) for m in self.model.modules() if not list(m.children())]
        try:
            self([0], 1.0, [0])
        finally:
            for handle in handles:
                handle.remove()
        return ACTIVATION_FACTOR * largest

    def auto_batch_size(self, memory_budget_gb: float | None, max_batch: int | None = None) -> int:
        """The largest batch whose activations fit ``memory_budget_gb`` (GPU default: half the free memory),
        at most ``max_batch`` (default :data:`CPU_MAX_BATCH` on a CPU, :data:`GPU_MAX_BATCH` on a GPU)."""
        if memory_budget_gb is None:
            if self.device.type == "cuda":
                free, _total = torch.cuda.mem_get_info(self.device)
                budget = free / 2
            else:
                raise ConfigError("generate.memory_budget_gb must be set when generating on the CPU")
        else:
            if memory_budget_gb <= 0:
                raise ConfigError(f"generate.memory_budget_gb must be positive, got {memory_budget_gb}")
            budget = memory_budget_gb * 2**30
        per_clip = self.clip_bytes()
        cap = max_batch or (CPU_MAX_BATCH if self.device.type == "cpu" else GPU_MAX_BATCH)
        batch = int(max(1, min(cap, budget // max(per_clip, 1))))
        logger.info("batch size %d (about %.0f MiB of activations per clip, budget %.2f GiB)",
                    batch, per_clip / 2**20, budget / 2**30)
        return batch


def set_threads(threads: int | None) -> None:
    """Set torch's intra-op CPU threads (None keeps torch's default)."""
    if threads is None:
        return
    if threads < 1:
        raise ConfigError(f"generate.threads must be a positive integer or null, got {threads}")
    torch.set_num_threads(int(threads))

"""Small helpers shared by the model parts: "same" padding, weight norm, gated activation, window slicing."""
from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn.utils import parametrizations


def same_padding(kernel_size: int, dilation: int = 1) -> int:
    """Padding that keeps the length of a stride-1 convolution with an odd kernel."""
    return (kernel_size * dilation - dilation) // 2


def weight_norm(module: nn.Module) -> nn.Module:
    """Weight normalisation with PyTorch's default ``dim=0`` (a ConvTranspose1d gets one magnitude per
    input channel), as a parametrization so that ``torch.nn.utils.parametrize.remove_parametrizations``
    can fold it for inference."""
    return parametrizations.weight_norm(module, name="weight", dim=0)


def gated_tanh_sigmoid(x: Tensor) -> Tensor:
    """WaveNet's gate: tanh of the first half of the channels times sigmoid of the second half."""
    a, b = x.chunk(2, dim=1)
    return torch.tanh(a) * torch.sigmoid(b)


def slice_segments(x: Tensor, starts: Tensor, length: int) -> Tensor:
    """Window ``x[b, :, starts[b] : starts[b] + length]`` of every batch item of ``x`` [B, C, T]."""
    index = starts.to(x.device).view(-1, 1) + torch.arange(length, device=x.device).view(1, -1)
    return x.gather(2, index.unsqueeze(1).expand(-1, x.size(1), -1))


def random_segment_starts(batch_size: int, num_frames: int, segment_frames: int, device=None) -> Tensor:
    """Uniform window starts in ``[0, num_frames - segment_frames]``, one per batch item."""
    if segment_frames > num_frames:
        raise ValueError(f"segment of {segment_frames} frames is longer than the {num_frames}-frame input")
    return torch.randint(0, num_frames - segment_frames + 1, (batch_size,), device=device)

"""Avocodo's discriminators as VIFS uses them (VIFS_SPEC §8): CoMBD (``combd``, one conv stack per
rate) and SBD (``sbd``, sub-band discriminators on PQMF bands). Output order: CoMBD lowest rate first,
then the SBD sub-discriminators."""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from toolkit.blocks.commons import same_padding, weight_norm
from toolkit.blocks.conv_stack import ConvStack1d
from toolkit.blocks.pqmf import PQMF
from toolkit.components.abs_discriminator import AbsDiscriminator, DiscriminatorOutput
from toolkit.errors import ConfigError, ContractError

SLOPE = 0.2


class CoMBD(nn.Module):
    """Collaborative multi-band discriminator: ``blocks[i]`` scores the signal at rate 1/subbands_i
    (PQMF band 0; the last block takes the full-rate waveform). Real and fake go through a block as one
    batch; for the low-rate blocks the fake batch is [generator head; PQMF band 0 of the full-rate fake]
    (or the latter alone when the generator has no head at that rate) and the real side is tiled to match.
    """

    def __init__(self, channels, kernels, strides, groups, paddings, projection_kernel, pqmf):
        super().__init__()
        if len(pqmf) != len(kernels) - 1:
            raise ConfigError(
                f"discriminator 'avocodo': combd_pqmf needs one bank per low-rate block ({len(kernels) - 1}), got {len(pqmf)}"
            )
        self.blocks = nn.ModuleList(
            ConvStack1d(channels, k, strides, groups, p, projection_kernel, 0, SLOPE, logits_as_feature=False)
            for k, p in zip(kernels, paddings)
        )
        self.pqmf = nn.ModuleList(PQMF(*bank) for bank in pqmf)

    def forward(self, real: Tensor, fake_heads: list[Tensor], out: DiscriminatorOutput) -> None:
        fake = fake_heads[-1]
        heads_by_length = {h.size(-1): h for h in fake_heads[:-1]}
        inputs = []
        for bank in self.pqmf:
            real_low = bank.analysis(real)[:, :1]
            fake_low = bank.analysis(fake)[:, :1]
            head = heads_by_length.get(fake_low.size(-1))
            inputs.append((real_low, fake_low if head is None else torch.cat([head, fake_low], dim=0)))
        inputs.append((real, fake))
        for block, (r, f) in zip(self.blocks, inputs):
            logits, features = block(torch.cat([r, f], dim=0))
            repeat = f.size(0) // r.size(0)
            out.real_logits.append(_tiled_real(logits, r.size(0), repeat))
            out.fake_logits.append(logits[r.size(0) :])
            out.real_features.append([_tiled_real(x, r.size(0), repeat) for x in features])
            out.fake_features.append([x[r.size(0) :] for x in features])


def _tiled_real(x: Tensor, real_batch: int, repeat: int) -> Tensor:
    """The real part of a joint [real; fake] batch, tiled to the fake batch size."""
    return x[:real_batch].repeat(repeat, *([1] * (x.dim() - 1)))


class MultiDilationConv(nn.Module):
    """Sum of LeakyReLU(dilated conv) over the dilations, then a strided k3 conv + LeakyReLU. Quirk kept
    from Avocodo: the strided conv's padding is that of the *last* (kernel, dilation) pair."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, dilations: Sequence[int], stride: int):
        super().__init__()
        self.d_convs = nn.ModuleList(
            weight_norm(nn.Conv1d(in_channels, out_channels, kernel_size, dilation=d, padding=same_padding(kernel_size, d)))
            for d in dilations
        )
        self.post_conv = weight_norm(
            nn.Conv1d(out_channels, out_channels, 3, stride=stride, padding=same_padding(kernel_size, dilations[-1]))
        )

    def forward(self, x: Tensor) -> Tensor:
        x = sum(F.leaky_relu(conv(x), SLOPE) for conv in self.d_convs)
        return F.leaky_relu(self.post_conv(x), SLOPE)


class SubBandDiscriminatorBlock(nn.Module):
    """Multi-dilation conv layers (the feature maps) -> Conv1d(-> 1, k3, pad 1)."""

    def __init__(self, in_channels, filters, kernel_size, dilations, strides):
        super().__init__()
        ins = [in_channels, *filters[:-1]]
        self.convs = nn.ModuleList(
            MultiDilationConv(i, o, kernel_size, d, s) for i, o, d, s in zip(ins, filters, dilations, strides)
        )
        self.post_conv = weight_norm(nn.Conv1d(filters[-1], 1, 3, padding=1))

    def forward(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        features = []
        for conv in self.convs:
            x = conv(x)
            features.append(x)
        return self.post_conv(x), features


class SBD(nn.Module):
    """Sub-band discriminator: sub-discriminator i reads PQMF bands ``band_ranges[i]`` as channels, or,
    when ``transpose[i]``, the bands of the finer bank transposed (time as channels, segment_size/bands)."""

    def __init__(self, segment_size, pqmf, transposed_pqmf, filters, kernel_sizes, dilations, strides, band_ranges, transpose):
        super().__init__()
        if len({len(filters), len(kernel_sizes), len(dilations), len(strides), len(band_ranges), len(transpose)}) != 1:
            raise ConfigError("discriminator 'avocodo': the sbd_* lists need one entry per sub-discriminator")
        self.pqmf = PQMF(*pqmf)
        self.transposed_pqmf = PQMF(*transposed_pqmf)
        if segment_size % self.transposed_pqmf.subbands or segment_size % self.pqmf.subbands:
            raise ConfigError(
                f"discriminator 'avocodo': model.segment_size {segment_size} must be a multiple of the SBD band counts"
            )
        self.segment_size = segment_size
        self.band_ranges = [tuple(r) for r in band_ranges]
        self.transpose = list(transpose)
        self.discriminators = nn.ModuleList()
        for f, k, d, s, (lo, hi), tr in zip(filters, kernel_sizes, dilations, strides, self.band_ranges, self.transpose):
            in_channels = segment_size // self.transposed_pqmf.subbands if tr else hi - lo
            self.discriminators.append(SubBandDiscriminatorBlock(in_channels, f, k, d, s))

    def forward(self, real: Tensor, fake: Tensor, out: DiscriminatorOutput) -> None:
        if real.size(-1) != self.segment_size:
            raise ContractError(
                f"discriminator 'avocodo' SBD was built for model.segment_size={self.segment_size} samples, "
                f"got {real.size(-1)}"
            )
        both = torch.cat([real, fake], dim=0)
        bands = self.pqmf.analysis(both)
        fine_bands = self.transposed_pqmf.analysis(both)
        batch = real.size(0)
        for disc, (lo, hi), tr in zip(self.discriminators, self.band_ranges, self.transpose):
            x = fine_bands[:, lo:hi].transpose(1, 2) if tr else bands[:, lo:hi]
            logits, features = disc(x)
            out.add_joint(logits, features, batch)


class AvocodoDiscriminator(AbsDiscriminator):
    """Children ``combd`` and ``sbd``; 3 + 4 outputs with the reference settings."""

    def __init__(
        self,
        segment_size: int = 8192,
        combd_channels: Sequence[int] = (16, 64, 256, 1024, 1024, 1024),
        combd_kernels: Sequence[Sequence[int]] = (
            (7, 11, 11, 11, 11, 5), (11, 21, 21, 21, 21, 5), (15, 41, 41, 41, 41, 5),
        ),
        combd_strides: Sequence[int] = (1, 1, 4, 4, 4, 1),
        combd_groups: Sequence[int] = (1, 4, 16, 64, 256, 1),
        combd_paddings: Sequence[Sequence[int]] = (
            (3, 5, 5, 5, 5, 2), (5, 10, 10, 10, 10, 2), (7, 20, 20, 20, 20, 2),
        ),
        combd_projection_kernel: int = 3,
        combd_pqmf: Sequence[Sequence[float]] = ((4, 192, 0.13, 10.0), (2, 256, 0.25, 10.0)),
        sbd_pqmf: Sequence[float] = (16, 256, 0.03, 10.0),
        sbd_transposed_pqmf: Sequence[float] = (64, 256, 0.1, 9.0),
        sbd_filters: Sequence[Sequence[int]] = (
            (64, 128, 256, 256, 256), (64, 128, 256, 256, 256), (64, 128, 256, 256, 256), (32, 64, 128, 128, 128),
        ),
        sbd_kernel_sizes: Sequence[int] = (7, 5, 3, 5),
        sbd_dilations: Sequence[Sequence[Sequence[int]]] = (
            ((5, 7, 11),) * 5, ((3, 5, 7),) * 5, ((1, 2, 3),) * 5, ((1, 2, 3),) * 3 + ((2, 3, 5),) * 2,
        ),
        sbd_strides: Sequence[Sequence[int]] = ((1, 1, 3, 3, 1),) * 4,
        sbd_band_ranges: Sequence[Sequence[int]] = ((0, 6), (0, 11), (0, 16), (0, 64)),
        sbd_transpose: Sequence[bool] = (False, False, False, True),
    ):
        super().__init__()
        self.combd = CoMBD(
            combd_channels, combd_kernels, combd_strides, combd_groups, combd_paddings, combd_projection_kernel,
            [_pqmf_args(bank) for bank in combd_pqmf],
        )
        self.sbd = SBD(
            segment_size, _pqmf_args(sbd_pqmf), _pqmf_args(sbd_transposed_pqmf), sbd_filters, sbd_kernel_sizes,
            sbd_dilations, sbd_strides, sbd_band_ranges, sbd_transpose,
        )

    def forward(self, real: Tensor, fake_heads: list[Tensor]) -> DiscriminatorOutput:
        out = DiscriminatorOutput([], [], [], [])
        self.combd(real, fake_heads, out)
        self.sbd(real, fake_heads[-1], out)
        return out


def _pqmf_args(bank: Sequence[float]) -> tuple[int, int, float, float]:
    """(subbands, taps, cutoff_ratio, beta) from a config list."""
    if len(bank) != 4:
        raise ConfigError(f"discriminator 'avocodo': a PQMF bank is [subbands, taps, cutoff_ratio, beta], got {list(bank)}")
    subbands, taps, cutoff, beta = bank
    return int(subbands), int(taps), float(cutoff), float(beta)

"""HiFi-GAN decoders whose LeakyReLUs are anti-aliased: each activation runs at twice the rate
(``alias_free_torch.Activation1d``: windowed-sinc upsample x2, LeakyReLU, low-pass and downsample x2)."""
from __future__ import annotations

from alias_free_torch import Activation1d
from torch import nn

from toolkit.blocks.resblock import ActivationFactory
from toolkit.components.decoders.hifigan import HiFiGANDecoder, MultiScaleHiFiGANDecoder


def anti_aliased_leaky_relu(slope: float) -> nn.Module:
    return Activation1d(nn.LeakyReLU(slope))


class AliasFreeHiFiGANDecoder(HiFiGANDecoder):
    """:class:`HiFiGANDecoder` (one head) with anti-aliased activations; same parameters."""

    @staticmethod
    def activation_factory() -> ActivationFactory:
        return anti_aliased_leaky_relu


class MultiScaleAliasFreeHiFiGANDecoder(MultiScaleHiFiGANDecoder):
    """:class:`MultiScaleHiFiGANDecoder` (three heads) with anti-aliased activations; same parameters."""

    @staticmethod
    def activation_factory() -> ActivationFactory:
        return anti_aliased_leaky_relu

from __future__ import annotations

import pytest
import torch

from toolkit.components.decoders.alias_free import AliasFreeHiFiGANDecoder, MultiScaleAliasFreeHiFiGANDecoder
from toolkit.components.decoders.hifigan import HiFiGANDecoder, MultiScaleHiFiGANDecoder
from toolkit.errors import ConfigError

TINY = dict(inter_channels=8, gin_channels=4, upsample_initial_channel=32, resblock_kernel_sizes=[3], resblock_dilation_sizes=[[1, 3]])


def test_full_size_multiscale_heads():
    torch.manual_seed(0)
    decoder = MultiScaleHiFiGANDecoder()
    with torch.no_grad():
        heads = decoder(torch.randn(2, 192, 32), torch.randn(2, 192, 1))
    assert [tuple(h.shape) for h in heads] == [(2, 1, 2048), (2, 1, 4096), (2, 1, 8192)]
    assert all(h.abs().max() <= 1 for h in heads)


@pytest.mark.parametrize("cls, heads", [(HiFiGANDecoder, 1), (MultiScaleHiFiGANDecoder, 3), (AliasFreeHiFiGANDecoder, 1), (MultiScaleAliasFreeHiFiGANDecoder, 3)])
def test_synthesize_is_the_full_rate_head(cls, heads):
    torch.manual_seed(0)
    decoder = cls(**TINY).eval()
    z, g = torch.randn(2, 8, 6), torch.randn(2, 4, 1)
    out = decoder(z, g)
    assert decoder.num_heads == len(out) == heads
    assert [h.size(-1) for h in out] == [6 * 256 // 2 ** (heads - 1 - i) for i in range(heads)]
    torch.testing.assert_close(decoder.synthesize(z, g), out[-1])


def test_alias_free_activations_differ_from_plain_ones():
    torch.manual_seed(0)
    plain = HiFiGANDecoder(**TINY)
    anti = AliasFreeHiFiGANDecoder(**TINY)
    result = anti.load_state_dict(plain.state_dict(), strict=False)
    assert not result.unexpected_keys
    assert result.missing_keys and all(k.endswith(".filter") for k in result.missing_keys)  # resampling kernels
    z, g = torch.randn(1, 8, 6), torch.randn(1, 4, 1)
    assert not torch.allclose(plain.synthesize(z, g), anti.synthesize(z, g))
    assert any(type(m).__name__ == "Activation1d" for m in anti.modules())


def test_upsampling_must_match_hop():
    with pytest.raises(ConfigError, match="hop_length"):
        HiFiGANDecoder(hop_length=300)


def test_weight_norm_folds_away():
    from torch.nn.utils import parametrize

    torch.manual_seed(0)
    decoder = HiFiGANDecoder(**TINY).eval()
    z, g = torch.randn(1, 8, 6), torch.randn(1, 4, 1)
    before = decoder.synthesize(z, g)
    for module in decoder.modules():
        if parametrize.is_parametrized(module):
            parametrize.remove_parametrizations(module, "weight")
    torch.testing.assert_close(decoder.synthesize(z, g), before)

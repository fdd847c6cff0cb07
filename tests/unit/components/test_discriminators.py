from __future__ import annotations

import pytest
import torch

from toolkit.components.discriminators.avocodo import AvocodoDiscriminator
from toolkit.components.discriminators.mpd_msd import MultiPeriodScaleDiscriminator
from toolkit.errors import ContractError
from toolkit.models.sizes import packaged_sizes

MICRO = packaged_sizes()["micro"]  # the tests' size
TINY_AVOCODO = dict(segment_size=MICRO["shared"]["segment_size"], **MICRO["discriminator"]["avocodo"])


def test_avocodo_full_size_output_shapes():
    """VIFS_SPEC §8 [measured]: B=2, 8192-sample window, three generator heads."""
    torch.manual_seed(0)
    disc = AvocodoDiscriminator()
    heads = [torch.randn(2, 1, n) for n in (2048, 4096, 8192)]
    with torch.no_grad():
        out = disc(torch.randn(2, 1, 8192), heads)
    expected = [(4, 1, 30), (4, 1, 62), (2, 1, 126), (2, 1, 164), (2, 1, 101), (2, 1, 64), (2, 1, 35)]
    assert [tuple(x.shape) for x in out.fake_logits] == expected
    assert [tuple(x.shape) for x in out.real_logits] == expected
    assert [len(f) for f in out.fake_features] == [6, 6, 6, 5, 5, 5, 5]
    assert [[r.shape for r in rs] for rs in out.real_features] == [[f.shape for f in fs] for fs in out.fake_features]


def test_avocodo_low_rate_real_is_tiled_and_fake_holds_the_head():
    torch.manual_seed(0)
    disc = AvocodoDiscriminator(**TINY_AVOCODO)
    real = torch.randn(2, 1, 2048)
    heads = [torch.randn(2, 1, 512), torch.randn(2, 1, 1024), torch.randn(2, 1, 2048)]
    out = disc(real, heads)
    assert torch.equal(out.real_logits[0][:2], out.real_logits[0][2:])
    # the first half of the low-rate fake batch is the generator's own head
    alone = disc.combd.blocks[0](heads[0])[0]
    torch.testing.assert_close(out.fake_logits[0][:2], alone)


def test_avocodo_with_one_head_uses_pqmf_band_zero_only():
    disc = AvocodoDiscriminator(**TINY_AVOCODO)
    fake = torch.randn(2, 1, 2048)
    out = disc(torch.randn(2, 1, 2048), [fake])
    assert [x.size(0) for x in out.fake_logits] == [2] * 7
    expected = disc.combd.blocks[0](disc.combd.pqmf[0].analysis(fake)[:, :1])[0]
    torch.testing.assert_close(out.fake_logits[0], expected)


def test_avocodo_sbd_rejects_a_segment_it_was_not_built_for():
    disc = AvocodoDiscriminator(**TINY_AVOCODO)
    with pytest.raises(ContractError, match="segment_size=2048"):
        disc(torch.randn(1, 1, 4096), [torch.randn(1, 1, 4096)])


def test_mpd_msd_outputs_and_feature_maps():
    disc = MultiPeriodScaleDiscriminator(**MICRO["discriminator"]["mpd_msd"])
    assert MICRO["shared"]["segment_size"] == 2048
    real, fake = torch.randn(2, 1, 2048), torch.randn(2, 1, 2048)
    out = disc(real, [torch.randn(2, 1, 512), fake])  # low-rate heads are ignored
    assert len(out.real_logits) == 6
    assert out.fake_logits[0].shape == (2, 2048 // 256)  # scale D: 4 stride-4 layers, logits flattened
    # period 3: 2048 -> reflect-padded to 2049 = 683 x 3 rows, stride 3 four times: 683->228->76->26->9
    assert out.fake_logits[2].shape == (2, 9 * 3)
    # as in VITS, the logits are also the last feature map
    assert [len(f) for f in out.fake_features] == [7, 6, 6, 6, 6, 6]
    assert torch.equal(out.fake_features[1][-1].flatten(1), out.fake_logits[1])
    single = disc.mpd[0](fake)[0].flatten(1)
    torch.testing.assert_close(out.fake_logits[1], single)

"""PQMF: perfect-reconstruction check on a reconstructing bank, and Avocodo's analysis-only banks."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from toolkit.blocks.pqmf import PQMF, prototype_filter
from toolkit.components.discriminators.avocodo import AvocodoDiscriminator


def test_analysis_synthesis_round_trip_snr():
    pqmf = PQMF(4, 62, 0.142, 9.0)
    torch.manual_seed(0)
    x = torch.randn(2, 1, 4096)
    bands = pqmf.analysis(x)
    assert bands.shape == (2, 4, 1024)
    y = pqmf.synthesis(bands)
    assert y.shape == x.shape
    core = slice(256, -256)  # away from the zero-padded edges
    err = (y - x)[..., core]
    snr = 10 * math.log10(x[..., core].pow(2).sum() / err.pow(2).sum())
    assert snr >= 60.0


def test_prototype_filter_is_a_symmetric_windowed_low_pass():
    h = prototype_filter(192, 0.13, 10.0)
    assert h.shape == (193,)
    np.testing.assert_allclose(h, h[::-1], atol=1e-12)
    assert h[96] == pytest.approx(0.13)  # centre tap: cutoff ratio times the window's peak of 1
    assert h.sum() == pytest.approx(1.0, abs=1e-2)  # unit DC gain


# (the SBD's 64-band bank has cutoff 0.1, far wider than its 1/128 band: its bands overlap by design)
@pytest.mark.parametrize("subbands, taps, cutoff, beta", [(4, 192, 0.13, 10.0), (2, 256, 0.25, 10.0), (16, 256, 0.03, 10.0)])
def test_avocodo_banks_band_k_passes_its_own_band(subbands, taps, cutoff, beta):
    pqmf = PQMF(subbands, taps, cutoff, beta)
    assert pqmf.analysis_filter.shape == (subbands, 1, taps + 1)
    response = np.abs(np.fft.rfft(pqmf.analysis_filter[:, 0].double().numpy(), n=8192, axis=-1))
    freqs = np.linspace(0, 1, response.shape[-1])  # in units of pi
    for k in range(subbands):
        peak = freqs[response[k].argmax()]
        assert k / subbands - 1e-3 <= peak <= (k + 1) / subbands + 1e-3


def test_avocodo_pqmf_banks_are_buffers_with_reference_settings():
    disc = AvocodoDiscriminator()
    names = {n for n, _ in disc.named_parameters()}
    assert not any("filter" in n for n in names)
    assert [(b.subbands, b.taps) for b in disc.combd.pqmf] == [(4, 192), (2, 256)]
    assert (disc.sbd.pqmf.subbands, disc.sbd.transposed_pqmf.subbands) == (16, 64)
    x = torch.randn(2, 1, 8192)
    assert disc.combd.pqmf[0].analysis(x).shape == (2, 4, 2048)
    assert disc.combd.pqmf[1].analysis(x).shape == (2, 2, 4096)
    assert disc.sbd.pqmf.analysis(x).shape == (2, 16, 512)
    assert disc.sbd.transposed_pqmf.analysis(x).shape == (2, 64, 128)
    expected = 2 * prototype_filter(256, 0.03, 10.0) * np.cos(
        (2 * 3 + 1) * (np.pi / 32) * (np.arange(257) - 128) - np.pi / 4
    )
    np.testing.assert_allclose(disc.sbd.pqmf.analysis_filter[3, 0].numpy(), expected, rtol=1e-5, atol=1e-7)
    assert "analysis_filter" not in "".join(disc.state_dict())

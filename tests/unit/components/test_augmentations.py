from __future__ import annotations

import pytest
import torch

from toolkit.components.augmentations.identity import NoAugmentation
from toolkit.components.augmentations.phaseaug import PhaseAugmentation
from toolkit.errors import ContractError


def test_identity():
    real, fake = torch.randn(2, 1, 512), torch.randn(2, 1, 512)
    out = NoAugmentation()(real, fake)
    assert out[0] is real and out[1] is fake


def test_phaseaug_applies_one_phase_to_both_and_redraws_each_call():
    torch.manual_seed(0)
    aug = PhaseAugmentation()
    x = torch.randn(2, 1, 2048) * 0.1
    real_a, fake_a = aug(x, x.clone())
    assert real_a.shape == fake_a.shape == x.shape
    torch.testing.assert_close(real_a, fake_a)  # same phase for real and fake
    assert not torch.allclose(real_a, x, atol=1e-3)
    real_b, _ = aug(x, x.clone())
    assert not torch.allclose(real_a, real_b, atol=1e-3)


def test_phaseaug_is_differentiable_and_runs_in_fp32():
    aug = PhaseAugmentation()
    fake = torch.randn(1, 1, 1024, requires_grad=True)
    _, fake_aug = aug(torch.randn(1, 1, 1024), fake)
    assert fake_aug.dtype == torch.float32
    fake_aug.sum().backward()
    assert fake.grad is not None


def test_phaseaug_rejects_length_not_multiple_of_hop():
    with pytest.raises(ContractError, match="multiple of 256"):
        PhaseAugmentation()(torch.randn(1, 1, 1000), torch.randn(1, 1, 1000))

"""The non-finite guard's parts: the step counter and the snapshot that undoes an update."""
from __future__ import annotations

import pytest
import torch

from toolkit.train.nonfinite import NonFiniteGuard, TrainingDiverged, UpdateSnapshot


def _model_and_optimiser():
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.Linear(8, 1))
    optimiser = torch.optim.AdamW(module.parameters(), lr=1e-2, fused=True)
    return module, optimiser, torch.amp.GradScaler("cpu", init_scale=2.0 ** 10, growth_interval=1)


def _update(module, optimiser, scaler):
    optimiser.zero_grad(set_to_none=True)
    scaler.scale(module(torch.randn(16, 4)).square().mean()).backward()
    scaler.unscale_(optimiser)
    scaler.step(optimiser)
    scaler.update()


def _state(module, optimiser, scaler):
    return ({k: v.clone() for k, v in module.state_dict().items()},
            {p: {k: v.clone() for k, v in s.items()} for p, s in optimiser.state_dict()["state"].items()},
            scaler.state_dict())


def _assert_same(first, second):
    (weights_a, optim_a, scaler_a), (weights_b, optim_b, scaler_b) = first, second
    assert weights_a.keys() == weights_b.keys() and all(torch.equal(weights_a[k], weights_b[k]) for k in weights_a)
    assert optim_a.keys() == optim_b.keys()
    for param in optim_a:
        assert optim_a[param].keys() == optim_b[param].keys()
        assert all(torch.equal(optim_a[param][k], optim_b[param][k]) for k in optim_a[param])
    assert scaler_a == scaler_b


@pytest.mark.parametrize("updates_before", [0, 2])
def test_restore_undoes_an_update_exactly(updates_before):
    module, optimiser, scaler = _model_and_optimiser()
    snapshot = UpdateSnapshot(module, optimiser, scaler)
    for _ in range(updates_before):
        snapshot.take()  # the buffers are reused from the second take on
        _update(module, optimiser, scaler)
    before = _state(module, optimiser, scaler)
    snapshot.take()
    _update(module, optimiser, scaler)
    changed = _state(module, optimiser, scaler)
    assert not torch.equal(changed[0]["0.weight"], before[0]["0.weight"]) and changed[2] != before[2]
    snapshot.restore()
    _assert_same(_state(module, optimiser, scaler), before)
    _update(module, optimiser, scaler)  # the restored state trains on as before
    assert optimiser.state_dict()["state"][0]["step"].item() == updates_before + 1


def test_the_guard_stops_after_too_many_skipped_steps_in_a_row():
    guard = NonFiniteGuard(2, advice="resume with: CMD")
    assert guard.record(False, 1) is False and guard.record(True, 2) is True
    assert guard.record(False, 3) is False
    with pytest.raises(TrainingDiverged, match=r"^training stopped at step 4: 2 consecutive .*; resume with: CMD$"):
        guard.record(False, 4)
    assert guard.state_dict() == {"total": 3, "consecutive": 2}

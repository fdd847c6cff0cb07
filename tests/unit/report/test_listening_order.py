"""The per-listener presentation order is a deterministic permutation at every level."""
from __future__ import annotations

import pytest

from toolkit.report.order import MAX_SEED, XorShift32, presentation_order

CATEGORIES = [
    {"name": f"C{c}", "label": f"c{c}", "sets": [{"id": f"s{c}{s}", "clips": [f"k{c}{s}{k}" for k in range(4)]}
                                              for s in range(3)]}
    for c in range(5)
]


def flatten(order):
    return [(c["name"], s["id"], tuple(s["clips"])) for c in order for s in c["sets"]]


def test_same_seed_gives_same_order():
    assert presentation_order(CATEGORIES, 1234) == presentation_order(CATEGORIES, 1234)


def test_different_seeds_give_different_orders():
    orders = {tuple(flatten(presentation_order(CATEGORIES, seed))) for seed in range(5)}
    assert len(orders) == 5


def test_order_is_a_permutation_at_every_level():
    order = presentation_order(CATEGORIES, 99)
    assert sorted(c["name"] for c in order) == sorted(c["name"] for c in CATEGORIES)
    original = {s["id"]: s["clips"] for c in CATEGORIES for s in c["sets"]}
    for category in order:
        source = next(c for c in CATEGORIES if c["name"] == category["name"])
        assert sorted(s["id"] for s in category["sets"]) == sorted(s["id"] for s in source["sets"])
        for item in category["sets"]:
            assert sorted(item["clips"]) == sorted(original[item["id"]])
    assert CATEGORIES[0]["sets"][0]["clips"] == ["k000", "k001", "k002", "k003"], "input must not be mutated"


def test_shuffle_moves_items_and_covers_positions():
    rng = XorShift32(7)
    first_positions = {rng.shuffled(list(range(6)))[0] for _ in range(200)}
    assert first_positions == set(range(6))


@pytest.mark.parametrize("seed", [0, MAX_SEED])
def test_extreme_seeds_work(seed):
    values = [XorShift32(seed).next() for _ in range(2)]
    assert values[0] == values[1] and 0 < values[0] <= MAX_SEED


@pytest.mark.parametrize("seed", [-1, MAX_SEED + 1])
def test_out_of_range_seed_is_refused(seed):
    with pytest.raises(ValueError, match="seed must be"):
        XorShift32(seed)

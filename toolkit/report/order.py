"""Per-listener presentation order: a seeded xorshift32 shuffle, identical in Python and the page's JS.

``assets/listening_test.js`` implements the same generator and the same traversal; the browser test checks
that both agree, so the order a listener saw can be recomputed from the seed in the exported answers.
"""
from __future__ import annotations

MASK = 0xFFFFFFFF
SEED_MULTIPLIER = 0x9E3779B1
ZERO_STATE = 0x9E3779B9
WARM_UP = 4
MAX_SEED = MASK


class XorShift32:
    """Marsaglia's xorshift32 (shifts 13, 17, 5) on an unsigned 32-bit state scrambled from the seed."""

    def __init__(self, seed: int):
        if not 0 <= seed <= MAX_SEED:
            raise ValueError(f"seed must be an integer in 0..{MAX_SEED}, got {seed}")
        self.state = (seed * SEED_MULTIPLIER) & MASK or ZERO_STATE
        for _ in range(WARM_UP):
            self.next()

    def next(self) -> int:
        x = self.state
        x ^= (x << 13) & MASK
        x ^= x >> 17
        x ^= (x << 5) & MASK
        self.state = x
        return x

    def shuffled(self, items: list) -> list:
        """A Fisher-Yates shuffled copy (index ``next() % (i + 1)`` from the end)."""
        items = list(items)
        for i in range(len(items) - 1, 0, -1):
            j = self.next() % (i + 1)
            items[i], items[j] = items[j], items[i]
        return items


def presentation_order(categories: list[dict], seed: int) -> list[dict]:
    """Shuffle categories, then each category's sets, then each set's clips, drawing from one generator.

    ``categories`` is the page's list ``[{"name", "sets": [{"id", "clips": [...]}, ...]}, ...]``; the result
    has the same shape in the order one listener sees it.
    """
    rng = XorShift32(seed)
    ordered = []
    for category in rng.shuffled(categories):
        sets = [{**item, "clips": rng.shuffled(item["clips"])} for item in rng.shuffled(category["sets"])]
        ordered.append({**category, "sets": sets})
    return ordered

"""A re-scan's batches: each holds at most `size` accounts to gate again, the same accounts in
the same order as the plain batches."""

from __future__ import annotations

from itertools import chain

import pytest

from agent.scan_batches import packed

IDS = [f"a{i:03d}" for i in range(12)]
PLAIN = [IDS[i : i + 3] for i in range(0, 12, 3)]


@pytest.mark.parametrize(
    ("name", "again", "expected"),
    [
        ("nothing_reused_keeps_the_plain_batches", set(IDS), PLAIN),
        ("everything_reused_makes_one_batch", set(), [IDS]),
        (
            "a_batch_closes_before_its_fourth_fresh_account",
            set(IDS) - set(IDS[1:9]),
            [IDS[:11], IDS[11:]],
        ),
        (
            "reused_accounts_trail_the_last_fresh_one",
            {IDS[0], IDS[1], IDS[2], IDS[3]},
            [IDS[:3], IDS[3:]],
        ),
    ],
)
def test_packed(name: str, again: set[str], expected: list[list[str]]) -> None:
    cut = packed(PLAIN, gated_again=again, size=3)
    assert cut == expected, name
    assert list(chain.from_iterable(cut)) == IDS
    assert all(sum(a in again for a in batch) <= 3 for batch in cut)


def test_packed_batches_stay_under_the_largest_batch() -> None:
    cut = packed(PLAIN, gated_again=set(), size=3, most=5)
    assert cut == [IDS[:5], IDS[5:10], IDS[10:]]

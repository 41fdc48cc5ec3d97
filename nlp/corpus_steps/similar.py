"""Groups of near-identical texts in time linear in the corpus.

``near_duplicate_groups(sets, threshold)`` links two character-shingle sets when their
Jaccard similarity is at least ``threshold`` and returns the connected groups. Pairs
worth checking come from MinHash LSH buckets (``BANDS`` bands of ``ROWS`` rows: two
sets meet in a bucket with probability 1 - (1 - J^ROWS)^BANDS, 0.9998 at J = 0.7);
the exact similarity decides. Each bucket is looked at group by group: once two groups
are linked no further pair between them is checked, and a bucket whose members are
already one group costs one pass. Callers collapse identical texts first (one
representative each), so a text repeated across a thousand reports costs one set.

``connected_groups`` does the same over all pairs of a small collection (one agency's
statements of one category) with any similarity test.

Deterministic: the hash is CRC-32 and the permutations come from a fixed seed.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Callable, Sequence

SHINGLE = 3
BANDS = 32
ROWS = 4
_PRIME = (1 << 61) - 1
_MASK = (1 << 32) - 1


def shingles(text: str, size: int = SHINGLE) -> frozenset[str]:
    """The character ``size``-grams of ``text`` (the text itself when shorter)."""
    if len(text) <= size:
        return frozenset((text,)) if text else frozenset()
    return frozenset(text[i : i + size] for i in range(len(text) - size + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def containment(a: frozenset[str], b: frozenset[str]) -> float:
    """The share of the smaller set that is in the other."""
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


class Groups:
    """Union-find over item indexes."""

    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)

    def members(self) -> list[list[int]]:
        """Every group's indexes, ascending; groups ordered by their first index."""
        groups: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.parent)):
            groups[self.find(i)].append(i)
        return sorted(groups.values())


def _link(
    groups: Groups,
    members: Sequence[int],
    similar: Callable[[int, int], bool],
    rejected: set[tuple[int, int]],
) -> None:
    """Link the groups of ``members`` that hold a similar pair, group by group."""
    by_root: dict[int, list[int]] = defaultdict(list)
    for m in members:
        by_root[groups.find(m)].append(m)
    if len(by_root) < 2:
        return
    parts = list(by_root.values())
    for x, left in enumerate(parts):
        for right in parts[x + 1 :]:
            if groups.find(left[0]) == groups.find(right[0]):
                continue  # linked through another group meanwhile
            for i in left:
                if any(_check(i, j, similar, rejected) for j in right):
                    groups.union(i, right[0])
                    break


def _check(i: int, j: int, similar: Callable[[int, int], bool], rejected: set) -> bool:
    pair = (i, j) if i < j else (j, i)
    if pair in rejected:
        return False
    if similar(i, j):
        return True
    rejected.add(pair)
    return False


def connected_groups(n: int, similar: Callable[[int, int], bool]) -> Groups:
    """Groups of ``range(n)`` linked by ``similar`` (every pair may be checked)."""
    groups = Groups(n)
    _link(groups, range(n), similar, set())
    return groups


def _signatures(sets: Sequence[frozenset[str]]) -> list[list[bytes]]:
    """The ``BANDS`` band keys of each set's MinHash signature (``BANDS * ROWS``
    hash functions (a·h + b) mod 2^61-1 over the CRC-32 of each shingle)."""
    import numpy as np

    rng = np.random.RandomState(1)
    n = BANDS * ROWS
    a = rng.randint(1, _MASK, size=n, dtype=np.uint64)
    b = rng.randint(0, _MASK, size=n, dtype=np.uint64)
    keys = []
    for s in sets:
        h = np.fromiter(
            (zlib.crc32(x.encode("utf-8")) for x in sorted(s)), np.uint64, len(s)
        )
        signature = (((h[:, None] * a + b) % _PRIME) & _MASK).min(axis=0)
        raw = signature.astype(np.uint32).tobytes()
        width = ROWS * 4
        keys.append([raw[k * width : (k + 1) * width] for k in range(BANDS)])
    return keys


def near_duplicate_groups(sets: Sequence[frozenset[str]], threshold: float) -> Groups:
    """Groups of ``sets`` linked by Jaccard similarity >= ``threshold``."""
    groups = Groups(len(sets))
    buckets: dict[tuple[int, bytes], list[int]] = defaultdict(list)
    for index, bands in enumerate(_signatures([s for s in sets if s])):
        for band, key in enumerate(bands):
            buckets[band, key].append(index)
    # Signatures were made of the non-empty sets only: map back to their indexes.
    nonempty = [i for i, s in enumerate(sets) if s]
    rejected: set[tuple[int, int]] = set()

    def similar(i: int, j: int) -> bool:
        return jaccard(sets[i], sets[j]) >= threshold

    for members in buckets.values():
        if len(members) > 1:
            _link(groups, [nonempty[m] for m in members], similar, rejected)
    return groups

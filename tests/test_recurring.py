"""Recurrence over a corpus stays linear: near-duplicate groups from LSH buckets with
the exact similarity deciding, one representative per distinct text
(``nlp.corpus_steps.similar``, ``nlp.corpus_steps.recurring``).

Cost is counted in similarity checks, not timed (timings are ``nlp.bench``'s).
"""

from __future__ import annotations

import copy
import random
import subprocess
import sys

import pytest

from nlp.corpus_steps import recurring, similar
from nlp.corpus_steps.recurring import find_recurring
from nlp.corpus_steps.similar import (
    connected_groups,
    jaccard,
    near_duplicate_groups,
    shingles,
)

_HAN = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]


def _text(rng: random.Random, n: int = 40) -> str:
    return "".join(rng.choice(_HAN) for _ in range(n))


def _edited(rng: random.Random, text: str, target: float) -> str:
    """``text`` with its tail replaced until the Jaccard similarity is near
    ``target`` (from above)."""
    base = shingles(text)
    for cut in range(len(text) - 1, 3, -1):
        other = text[:cut] + _text(rng, len(text) - cut)
        if jaccard(base, shingles(other)) < target:
            return text[: cut + 1] + _text(rng, len(text) - cut - 1)
    raise AssertionError("no edit found")


def _pairs(seed: int, low: float, count: int) -> list[tuple[str, str, float]]:
    rng = random.Random(seed)
    out = []
    while len(out) < count:
        a = _text(rng)
        b = _edited(rng, a, low)
        out.append((a, b, jaccard(shingles(a), shingles(b))))
    return out


def test_pairs_above_the_threshold_are_found():
    """LSH with 32 bands of 4 rows finds a pair at J = 0.7 with p = 0.9998: every one
    of 300 pairs just above the threshold is grouped."""
    pairs = _pairs(1, 0.7, 300)
    assert all(0.7 <= j < 0.8 for _, _, j in pairs)
    sets = [shingles(t) for a, b, _ in pairs for t in (a, b)]
    groups = near_duplicate_groups(sets, 0.7)
    assert all(groups.find(2 * k) == groups.find(2 * k + 1) for k in range(300))


def test_pairs_below_the_threshold_are_not_grouped():
    pairs = _pairs(2, 0.55, 200)
    pairs = [p for p in pairs if p[2] < 0.7]
    sets = [shingles(t) for a, b, _ in pairs for t in (a, b)]
    groups = near_duplicate_groups(sets, 0.7)
    assert len(groups.members()) == len(sets)  # the exact similarity decides


def test_groups_are_transitive_and_ordered():
    rng = random.Random(3)
    head, middle, tail = _text(rng, 8), _text(rng, 60), _text(rng, 8)
    a = head + middle + tail
    b = head + middle + _text(rng, 8)  # J(a, b) = 0.8
    c = _text(rng, 8) + middle + b[-8:]  # J(b, c) = 0.8, J(a, c) = 0.64
    unrelated = _text(rng, 76)
    sets = [shingles(x) for x in (unrelated, c, a, b)]
    assert jaccard(sets[1], sets[2]) < 0.7  # a and c only through b
    assert near_duplicate_groups(sets, 0.7).members() == [[0], [1, 2, 3]]


def test_connected_groups_stop_at_the_first_link():
    calls = []

    def same(i: int, j: int) -> bool:
        calls.append((i, j, i // 10 == j // 10))
        return calls[-1][2]

    groups = connected_groups(30, same)
    assert groups.members() == [list(range(k, k + 10)) for k in (0, 10, 20)]
    # every successful check joins two groups: 30 items, 3 groups, 27 links
    assert sum(linked for _, _, linked in calls) == 27
    assert len({(i, j) for i, j, _ in calls}) == len(calls)


def test_no_pair_is_checked_twice_across_buckets(monkeypatch):
    """Similar sets share many buckets: each pair is still checked once."""
    checked = []

    def recording(a, b, f=similar.jaccard):
        checked.append(frozenset((id(a), id(b))))
        return f(a, b)

    pairs = _pairs(5, 0.5, 100)
    sets = [shingles(t) for a, b, _ in pairs for t in (a, b)]
    monkeypatch.setattr(similar, "jaccard", recording)
    near_duplicate_groups(sets, 0.7)
    assert checked and len(set(checked)) == len(checked)


def _record(doc_id, agency, year, *texts):
    return {
        "doc_id": doc_id,
        "meta": {"agency": agency, "year": year},
        "weaknesses": [
            {"id": f"w{i}", "text": t, "category": "staffing", "improvement": None}
            for i, t in enumerate(texts)
        ],
    }


def _corpus(copies: int) -> list[dict]:
    rng = random.Random(4)
    shared = _text(rng, 50)
    base = [
        _record(f"{a}-{y}", f"{a}县人民政府", y, shared, _text(rng), _text(rng))
        for a in "甲乙丙丁戊"
        for y in (2019, 2020)
    ]
    out = []
    for k in range(copies):
        for record in base:
            r = copy.deepcopy(record)
            r["doc_id"] = f"{k}/{r['doc_id']}"
            out.append(r)
    return out


def _checks(monkeypatch, records: list[dict]) -> tuple[int, dict]:
    """How many similarity checks ``find_recurring(records)`` makes, and its result."""
    calls = [0]

    def counting(f):
        def wrapped(a, b):
            calls[0] += 1
            return f(a, b)

        return wrapped

    with monkeypatch.context() as m:
        m.setattr(similar, "jaccard", counting(similar.jaccard))
        m.setattr(recurring, "containment", counting(recurring.containment))
        result = find_recurring(records)
    return calls[0], result


def test_similarity_checks_do_not_grow_with_repeated_texts(monkeypatch):
    counts = {}
    for copies in (1, 20):
        counts[copies], result = _checks(monkeypatch, _corpus(copies))
        (copied,) = result["boilerplate"]
        assert copied["reports"] == 10 * copies
        assert len(copied["agencies"]) == 5
    assert 0 < counts[20] == counts[1]


def test_repeated_corpus_gives_the_same_groups():
    one, many = find_recurring(_corpus(1)), find_recurring(_corpus(3))
    assert many["summary"]["boilerplate_groups"] == one["summary"]["boilerplate_groups"]
    assert many["summary"]["agencies_repeating"] == one["summary"]["agencies_repeating"]


@pytest.mark.parametrize("seed", ["0", "12345"])
def test_signatures_do_not_depend_on_the_hash_seed(seed):
    code = (
        "from nlp.corpus_steps.similar import _signatures, shingles;"
        "print(_signatures([shingles('政务公开队伍建设有待加强')])[0][0].hex())"
    )
    env = {"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2e95750dd705f50816b7eb0098cb260b"

"""Whatever bytes go in, every reader gives a report or an InputError (KnowledgeBaseError for rules files).

The readers are the fuzzer's targets (tests/fuzz/targets.py); the fuzzer's
committed corpus, crashes included, is replayed here too. Memory is bounded
through the size limits: the biggest hostile inputs the limits let in stay
under a generous peak measured by tracemalloc. No timing is asserted.
"""

from __future__ import annotations

import contextlib
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from suppcheck import InputError, RegimenFile
from suppcheck._reading import DEFAULT_LIMITS, Limits, check_tree, loads_json

from .fuzz.targets import TARGETS, run_one

CORPUS = Path(__file__).parent / "fuzz" / "corpus"
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TARGET_IDS = [t.__name__ for t in TARGETS]

# Words of the format, so that generated documents reach past the first unknown key.
KEYS = [
    "profile",
    "regimen",
    "age",
    "sex",
    "pregnant",
    "lactating",
    "conditions",
    "medications",
    "name",
    "times",
    "day",
    "wake",
    "substance",
    "form",
    "amount",
    "basis",
    "product",
    "ingredients",
    "per_day",
    "per_week",
    "with_food",
    "value",
    "unit",
    "_comment",
    "references",
    "rules",
    "id",
]
WORDS = [
    "magnesium",
    "iron",
    "vitamin A",
    "citrate",
    "100 mg",
    "400 IU",
    "0 mg",
    "-1 mg",
    "08:00",
    "bedtime",
    "doxycycline 100mg",
    "pregnancy",
    "kidney failure",
    "female",
    "male",
    "compound",
    "",
    "\n",
    "\x1b[2J",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(WORDS),
    st.text(max_size=30),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=6),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=10)), children, max_size=6),
    ),
    max_leaves=40,
)


@st.composite
def near_valid(draw: st.DrawFn) -> dict[str, Any]:
    """A regimen with a few fields replaced by anything: the validators' edges, not the parser's."""
    entry: dict[str, Any] = {"substance": "magnesium", "amount": "100 mg"}
    profile: dict[str, Any] = {"age": 40, "medications": ["doxycycline"], "conditions": []}
    for target in (entry, profile):
        for key in draw(st.lists(st.sampled_from(KEYS), max_size=3)):
            target[key] = draw(documents)
    return {"profile": profile, "regimen": [entry, *draw(st.lists(documents, max_size=2))]}


def _framings(value: Any) -> list[bytes]:
    """One document written as JSON, as YAML, and as damaged JSON."""
    import yaml

    text = json.dumps(value, allow_nan=True)
    out = [text.encode(), text[: len(text) // 2].encode(), text.replace('"', "", 1).encode()]
    with contextlib.suppress(yaml.YAMLError):
        out.append(yaml.safe_dump(value, allow_unicode=True).encode())
    return out


@pytest.mark.parametrize("target", TARGETS, ids=TARGET_IDS)
@SETTINGS
@given(data=st.binary(max_size=600))
def test_any_bytes(target: Any, data: bytes) -> None:
    run_one(bytes([TARGETS.index(target)]) + data)


@pytest.mark.parametrize("target", TARGETS, ids=TARGET_IDS)
@SETTINGS
@given(value=st.one_of(documents, near_valid()))
def test_any_document(target: Any, value: Any) -> None:
    for data in _framings(value):
        run_one(bytes([TARGETS.index(target)]) + data)


@pytest.mark.parametrize("seed", sorted(CORPUS.iterdir()), ids=lambda p: p.name)
def test_the_fuzz_corpus_replays_cleanly(seed: Path) -> None:
    run_one(seed.read_bytes())


def test_the_corpus_reaches_every_reader() -> None:
    picked = {seed.read_bytes()[0] % len(TARGETS) for seed in CORPUS.iterdir()}
    assert picked == set(range(len(TARGETS)))


# -- memory ------------------------------------------------------------------------

LIMIT = DEFAULT_LIMITS.max_bytes


@st.composite
def hostile(draw: st.DrawFn) -> bytes:
    """Large inputs near the byte limit: deep, wide, long, aliased, or repeated entries."""
    n = draw(st.integers(min_value=LIMIT // 4, max_value=LIMIT + 10))
    entry = b'{"substance": "magnesium", "amount": "100 mg"},'
    patterns = [
        b"[" * n,
        b'{"a":' * (n // 5),
        b'{"regimen": [' + entry * (n // len(entry)) + b"{}]}",
        b'{"regimen": [{"substance": "magnesium", "amount": "100 mg"}], "_comment": ["' + b"x" * n + b'"]}',
        b'{"regimen": [' + b"1," * (n // 2) + b"1]}",
        b"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + b"".join(b"%c: &%c [%s]\n" % (c, c, b", ".join([b"*" + bytes([c - 1])] * 10)) for c in b"bcdefgh"),
        b"- " * (n // 2),
        b"regimen:\n" + b"  - {substance: magnesium, amount: 100 mg}\n" * (n // 42),
    ]
    return draw(st.sampled_from(patterns))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=hostile(), yaml=st.booleans())
def test_memory_stays_bounded_for_the_largest_inputs_the_limits_let_in(data: bytes, yaml: bool) -> None:
    from suppcheck._reading import DEFAULT_LIMITS, loads_json, loads_yaml

    tracemalloc.start()
    try:
        try:
            raw = (loads_yaml if yaml else loads_json)(data.decode("utf-8"), source="big", limits=DEFAULT_LIMITS)
            RegimenFile.model_validate(raw)
        except InputError:
            pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A megabyte of input may cost tens of megabytes decoded; without limits, gigabytes.
    assert peak < 300_000_000


def _sizes(value: Any) -> tuple[int, int, int, int]:
    """A decoded document's longest string or key, longest list, largest mapping or entries, and value count."""
    longest = items = values = 0
    stack = [value]
    while stack:
        node = stack.pop()
        values += 1
        if isinstance(node, str):
            longest = max(longest, len(node))
        elif isinstance(node, dict):
            items = max(items, len(node))
            longest = max([longest, *map(len, node)])
            stack.extend(node.values())
        elif isinstance(node, list):
            items = max(items, len(node))
            stack.extend(node)
    return longest, items, items, values


# The most values, items and characters a text of its size can hold: one-digit lists, bare strings.
dense = st.one_of(
    st.lists(st.integers(0, 9), max_size=12),
    st.lists(st.lists(st.integers(0, 9), max_size=3), max_size=6),
    st.dictionaries(st.text("ab", max_size=1), st.integers(0, 9), max_size=3),
    st.text(max_size=12),
)


@st.composite
def limits_near(draw: st.DrawFn, value: Any, size: int) -> Limits:
    """Limits at the bound the text's length implies, but for one at, under or over what the document holds."""
    implied = (size, (size - 1) // 2, (size - 1) // 2, size)
    near = [max(0, draw(st.sampled_from([bound - 1, bound, bound, 10**6]))) for bound in implied]
    tight = draw(st.integers(0, 3))  # one limit near what the document holds, where it passes or fails
    near[tight] = max(0, _sizes(value)[tight] + draw(st.sampled_from([-1, 0, 1])))
    return Limits(max_string=near[0], max_items=near[1], max_entries=near[2], max_values=near[3])


@settings(max_examples=500, deadline=None)
@given(data=st.data(), value=st.one_of(documents, dense), compact=st.booleans(), ascii=st.booleans())
def test_a_document_skipped_for_its_size_breaks_no_limit(
    data: st.DataObject, value: Any, compact: bool, ascii: bool
) -> None:
    """The size shortcut of ``loads_json`` decides exactly as the full walk would, at the tightest spellings."""
    if isinstance(value, list) and data.draw(st.booleans()):
        value = {"regimen": value}  # the entries limit, too
    text = json.dumps(value, ensure_ascii=ascii, allow_nan=True, separators=(",", ":") if compact else None)
    limits = data.draw(limits_near(value, len(text.encode("utf-8", "surrogatepass"))))
    try:
        check_tree(json.loads(text), limits, source=None)
        walked = None
    except InputError as exc:
        walked = exc.problems
    try:
        loads_json(text, source=None, limits=limits)
        read = None
    except InputError as exc:
        read = exc.problems
    assert read == walked


@pytest.mark.parametrize(
    ("text", "limits", "problem"),
    [
        ('"abcd"', Limits(max_string=3), "a string of 4 characters, more than 3 (limit max_string)"),
        ("[1,2,3]", Limits(max_items=2), "3 items, more than 2 (limit max_items)"),
        ('{"regimen":[1,2]}', Limits(max_entries=1), "2 entries, more than 1 (limit max_entries)"),
        ("[1,2]", Limits(max_values=2), "more than 2 values in the document"),
        ("7", Limits(max_values=0), "more than 0 values in the document"),
    ],
)
def test_the_densest_texts_just_over_a_limit_are_refused(text: str, limits: Limits, problem: str) -> None:
    # The tightest spellings: a bare string is 2 bytes longer than its text, and k one-digit items take 2k + 1.
    with pytest.raises(InputError) as raised:
        loads_json(text, source=None, limits=limits)
    assert problem in str(raised.value)

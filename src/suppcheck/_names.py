"""Name keys: how user-written names are compared with the knowledge base."""

from __future__ import annotations

import re
from functools import lru_cache

_IGNORED = re.compile(r"[\s\-_'’.,()/]+")


# Users repeat a few hundred spellings; remembered (bounded) for every lookup.
@lru_cache(maxsize=4096)
def name_key(name: str) -> str:
    """The lookup key of a name: lower case, without spaces and punctuation.

    >>> name_key("St. John's wort") == name_key("st_johns-wort")
    True
    >>> name_key("  Vitamin-D ")
    'vitamind'
    """
    return _IGNORED.sub("", name.casefold())


def in_sentence(name: str) -> str:
    """A display name inside a sentence: ``Vitamin D`` becomes ``vitamin D``.

    >>> in_sentence("Vitamin D"), in_sentence("Coenzyme Q10"), in_sentence("5-HTP")
    ('vitamin D', 'coenzyme Q10', '5-HTP')
    """
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]


# What may follow a medication's name on a list: its strength, how often, the dose form.
_AMOUNT = re.compile(
    r"(?:\d+(?:[.,]\d+)?(?:/\d+(?:[.,]\d+)?)?|x\d+|\d+x)"
    r"(?:mg|mcg|µg|μg|ug|g|ml|iu|units?|%|mg/ml|mcg/h|mg/h|h|hr|hrs|hourly)?",
)
_TRAILING_TEXT = """
mg mcg µg μg ug g gram grams ml iu unit units tablet tablets tab tabs capsule capsules cap caps pill
pills once twice thrice one two three four times time x a an per each every day days daily a.m am pm
p.m morning evening night nightly bedtime noon week weekly weekdays hour hours h hr hrs at in the
with and or as needed prn od bd bid tid tds qd qds qid qhs qam qpm q4h q6h q8h q12h q24h mane nocte
stat po oral orally er xr sr xl cr dr la ir ec
"""
_TRAILING_WORDS = frozenset(_TRAILING_TEXT.split())
_SPLIT = re.compile(r"[\s,;()\[\]]+")


def medication_core(name: str) -> str | None:
    """A medication's name without a trailing strength, frequency or dose form; None if nothing is removed.

    >>> medication_core("doxycycline 100mg"), medication_core("Warfarin 5 mg twice daily")
    ('doxycycline', 'Warfarin')
    >>> medication_core("metformin ER 500 mg (1 tablet, bid)"), medication_core("doxycycline")
    ('metformin', None)
    >>> medication_core("100 mg daily") is None
    True
    """
    words = [w for w in _SPLIT.split(name.strip()) if w]
    keep = len(words)
    while keep > 1:
        word = words[keep - 1].casefold().rstrip(".")
        if word in _TRAILING_WORDS or _AMOUNT.fullmatch(word):
            keep -= 1
        else:
            break
    if keep == len(words):
        return None
    if keep == 1 and (words[0].casefold() in _TRAILING_WORDS or _AMOUNT.fullmatch(words[0].casefold())):
        return None
    return " ".join(words[:keep])

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

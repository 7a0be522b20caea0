"""Name keys: how user-written names are compared with the knowledge base."""

from __future__ import annotations

import re

_IGNORED = re.compile(r"[\s\-_'’.,()/]+")


def name_key(name: str) -> str:
    """The lookup key of a name: lower case, without spaces and punctuation.

    >>> name_key("St. John's wort") == name_key("st_johns-wort")
    True
    >>> name_key("  Vitamin-D ")
    'vitamind'
    """
    return _IGNORED.sub("", name.casefold())

"""Decoding untrusted bytes: size, nesting, duplicate keys and sizes checked around the parser.

Every reader of a regimen (files, standard input, batch lines,
``RegimenFile.model_validate_json``) and of a knowledge-base or extra rules
file goes through here, so that no input can make the parser recurse without
bound, keep the last of two equal keys silently, or take memory and time out
of all proportion to a regimen:

- the bytes are counted before they are decoded (``max_bytes``);
- JSON nesting is measured on the raw bytes before ``json.loads`` recurses,
  YAML nesting while the document is composed (``max_depth``);
- a key given twice in one mapping is an error naming its path
  (``profile.medications[1].name: duplicate key 'name'``);
- the decoded document is walked once, without recursion, for the number of
  regimen entries, items per list or mapping, string lengths, and values in
  all (YAML aliases count each time they are used, so ten lines cannot expand
  into a billion values).

Only ``json`` and ``re`` are imported here; yaml is imported when a YAML
document is read.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from ._errors import InputError, Problem, SuppcheckError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "DEFAULT_LIMITS",
    "LIMITS_ENV",
    "Limits",
    "check_depth",
    "check_tree",
    "configured_limits",
    "limits_from_text",
    "loads_json",
    "loads_yaml",
    "read_bounded",
    "too_small_to_break",
]

LIMITS_ENV = "SUPPCHECK_LIMITS"


class Limits(NamedTuple):
    """Bounds on one regimen document; the defaults are generous for any real regimen.

    A regimen of thirty entries is about 3 KB and six levels deep; the
    defaults leave room for hundreds of times that, and keep a hostile file
    to a few megabytes of memory and well under a second. Pass your own to
    :func:`~suppcheck.load_regimen` or ``RegimenFile.model_validate_json``
    (``Limits(max_entries=5000)``); the command line reads
    ``SUPPCHECK_LIMITS=max_bytes=2000000,max_entries=5000``.

    >>> Limits().max_depth, Limits(max_entries=5000).max_entries
    (64, 5000)
    """

    max_bytes: int = 1_000_000
    """Bytes in one file, standard input or one batch line."""
    max_depth: int = 64
    """Levels of nested lists and mappings (a regimen needs six)."""
    max_entries: int = 1_000
    """Entries in ``regimen``."""
    max_items: int = 1_000
    """Items in any other list, and keys in any mapping."""
    max_string: int = 2_000
    """Characters in any string, keys included (names are further limited to 200)."""
    max_values: int = 100_000
    """Values in the whole document, each YAML alias counted every time it is used."""


DEFAULT_LIMITS = Limits()
# A knowledge-base or extra rules file is the deployer's own, not a stranger's
# input: only its nesting is bounded (the parser must not recurse without end).
KNOWLEDGE_DEPTH = DEFAULT_LIMITS.max_depth


def limits_from_text(text: str) -> Limits:
    """``max_bytes=2000000,max_entries=5000`` as :class:`Limits`; the others keep their defaults.

    >>> limits_from_text("max_entries=5000, max_bytes=2_000_000").max_bytes
    2000000
    """
    values: dict[str, int] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in Limits._fields:
            raise InputError(
                f"{item.strip()!r} is not NAME=NUMBER with NAME one of {', '.join(Limits._fields)}", source=LIMITS_ENV
            )
        try:
            number = int(value.strip())
        except ValueError:
            number = 0
        if number < 1:
            raise InputError(f"{name} needs a whole number of at least 1, not {value.strip()!r}", source=LIMITS_ENV)
        values[name] = number
    return Limits(**values)


_configured: Limits | None = None


def configured_limits() -> Limits:
    """The command line's limits: the defaults, with ``SUPPCHECK_LIMITS`` applied (read once per process)."""
    global _configured
    if _configured is None:
        _configured = limits_from_text(os.environ.get(LIMITS_ENV, ""))
    return _configured


def _plural(count: int, what: str) -> str:
    return f"{count:,} {what}" if count == 1 else f"{count:,} {what}s"


def read_bounded(path: Path, limit: int, *, error: type[SuppcheckError] = InputError) -> bytes:
    """At most ``limit`` bytes of a file; a longer one is an error that names the limit, not a read of it all."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise error(Problem(f"cannot read: {exc.strerror or exc}", "unreadable"), source=str(path)) from None
    if len(data) > limit:
        raise error(Problem(too_large(limit), "too_large"), source=str(path))
    return data


def too_large(limit: int) -> str:
    """The message for input larger than ``limit`` bytes, naming the limit."""
    return f"larger than {_plural(limit, 'byte')} (limit max_bytes)"


# -- nesting, before parsing ---------------------------------------------------------

# Everything but brackets, quotes and backslashes, deleted at C speed; what is
# left is small enough to measure with a few regular-expression passes.
_KEEP = frozenset(b'[]{}"\\')
_DELETE = bytes(i for i in range(256) if i not in _KEEP)
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_PAIR = re.compile(rb"\[\]|\{\}")
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


def check_depth(data: bytes, max_depth: int) -> tuple[int, int] | None:
    """Where (line, column) JSON ``data`` first nests deeper than ``max_depth``, or None.

    Brackets inside strings do not count. Malformed JSON is left to the parser
    to describe, unless it is too deep to parse.

    >>> check_depth(b'{"a": [[1], "]]]"]}', 3), check_depth(b'[[[1]]]', 2)
    (None, (1, 3))
    """
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", data.translate(None, _DELETE)))
    # Each pass removes the innermost pairs: as many passes as the nesting is deep.
    for _ in range(max_depth + 1):
        if not brackets:
            return None
        peeled = _PAIR.sub(b"", brackets)
        if peeled == brackets:
            break  # unbalanced or mismatched: measured exactly below
        brackets = peeled
    depth = 0
    for match in _TOKEN.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                start = match.start()
                line = data.count(b"\n", 0, start) + 1
                column = start - (data.rfind(b"\n", 0, start) + 1) + 1
                return line, column
        elif token in (b"]", b"}"):
            depth -= 1
            if depth < 0:
                return None  # the parser stops here, and says why
    return None


# -- duplicate keys -----------------------------------------------------------------


class _Mapping(dict[Any, Any]):
    """A decoded mapping that had some key more than once: the walk reports where."""

    duplicates: list[tuple[Any, int | None]]  # the key, and its line when known


def _pairs_hook(seen: list[bool]) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        mapping = dict(pairs)
        if len(mapping) == len(pairs):
            return mapping
        marked = _Mapping(mapping)
        counts: dict[str, int] = {}
        for key, _ in pairs:
            counts[key] = counts.get(key, 0) + 1
        marked.duplicates = [(key, None) for key, count in counts.items() if count > 1]
        seen[0] = True
        return marked

    return hook


# -- JSON ---------------------------------------------------------------------------


def loads_json(
    data: str | bytes,
    *,
    source: str | None,
    limits: Limits | None,
    error: type[SuppcheckError] = InputError,
    one_line: bool = False,
) -> Any:
    """Decode JSON, bounded by ``limits`` (None: nesting only, for knowledge files), every key once.

    Errors name ``source`` and the position: ``line 3, column 5``, or for
    ``one_line`` (a batch line, without its newline) ``column 5`` and the
    byte of the line.
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if limits is not None and len(raw) > limits.max_bytes:
        raise error(Problem(too_large(limits.max_bytes), "too_large"), source=source)
    max_depth = limits.max_depth if limits is not None else KNOWLEDGE_DEPTH
    deep = check_depth(raw, max_depth)
    if deep is not None:
        where = f"column {deep[1]}" if one_line else f"line {deep[0]}, column {deep[1]}"
        raise error(
            Problem(f"invalid JSON: {where}: nested deeper than {max_depth} levels (limit max_depth)", "too_deep"),
            source=source,
        )
    if isinstance(data, str):
        text = data
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            at = f"byte {exc.start + 1} of the line" if one_line else f"byte {exc.start}"
            raise error(Problem(f"not UTF-8 text: {exc.reason} at {at}", "not_utf8"), source=source) from None
    seen = [False]
    try:
        value = json.loads(text, object_pairs_hook=_pairs_hook(seen))
    except json.JSONDecodeError as exc:
        if not one_line:
            where = f"line {exc.lineno}, column {exc.colno}"
        else:
            # A JSONL line holds no newline of its own, so the column is the character's.
            where = f"column {exc.pos + 1}"
            if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
                raise error(
                    Problem(
                        f"invalid JSON at {where}: {exc.msg} "
                        "(the line ends before the document does: is it cut short?)",
                        "json_invalid",
                    ),
                    source=source,
                ) from None
        raise error(Problem(f"invalid JSON at {where}: {exc.msg}", "json_invalid"), source=source) from None
    except RecursionError:  # not reached: the depth was measured first
        raise error(
            Problem(f"invalid JSON: nested deeper than {max_depth} levels (limit max_depth)", "too_deep"), source=source
        ) from None
    if limits is not None:
        if seen[0] or not too_small_to_break(len(raw), limits):
            check_tree(value, limits, source=source, error=error)
    elif seen[0]:
        check_tree(value, None, source=source, error=error)
    return value


def too_small_to_break(size: int, limits: Limits) -> bool:
    """Whether a JSON text of ``size`` bytes, once its nesting is within ``limits``, is within all of them.

    Every value starts at a byte of its own, a string decodes to no more
    characters than the bytes that spell it, and a list or mapping of k items
    takes at least 2k + 1 bytes; so a regimen line of a few hundred bytes
    needs no walk of its decoded tree.

        >>> too_small_to_break(2_000, DEFAULT_LIMITS), too_small_to_break(2_002, DEFAULT_LIMITS)
        (True, False)
    """
    items = (size - 1) // 2
    return size <= min(limits.max_string, limits.max_values) and items <= min(limits.max_items, limits.max_entries)


# -- YAML ---------------------------------------------------------------------------


def loads_yaml(text: str, *, source: str | None, limits: Limits) -> Any:
    """Decode YAML's safe subset (no tags but the standard ones), bounded by ``limits``, every key once."""
    import yaml

    if len(text.encode("utf-8", "surrogatepass")) > limits.max_bytes:
        raise InputError(Problem(too_large(limits.max_bytes), "too_large"), source=source)
    loader = _yaml_loader()(text)
    loader.limits = limits
    try:
        value = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(Problem(f"invalid YAML: {where}{problem}", "yaml_invalid"), source=source) from None
    except RecursionError:  # not reached: the composer counts the nesting
        raise InputError(
            Problem(f"invalid YAML: nested deeper than {limits.max_depth} levels (limit max_depth)", "too_deep"),
            source=source,
        ) from None
    finally:
        loader.dispose()
    check_tree(value, limits, source=source)
    return value


_loader_class: Any = None


def _yaml_loader() -> Any:
    """PyYAML's safe loader, parsing in C with libyaml where PyYAML has it, that counts nesting and keys."""
    global _loader_class
    if _loader_class is None:
        _loader_class = _make_loader()
    return _loader_class


def _make_loader() -> Any:
    import yaml

    # PyYAML's classes, typed loosely: the loader is a mixin of five of them.
    composer: Any = yaml.composer.Composer
    constructor: Any = yaml.constructor.SafeConstructor
    resolver: Any = yaml.resolver.Resolver
    depth_composer: Any = _depth_composer(composer)
    key_constructor: Any = _key_constructor(constructor)

    c_parser: Any
    try:
        from yaml import cyaml  # libyaml's parser, where PyYAML was built with it

        c_parser = getattr(cyaml, "CParser", None)
    except ImportError:
        c_parser = None
    if c_parser is not None:

        class CLoader(depth_composer, c_parser, key_constructor, resolver):  # type: ignore[misc]
            def __init__(self, stream: str) -> None:
                c_parser.__init__(self, stream)
                composer.__init__(self)
                constructor.__init__(self)
                resolver.__init__(self)

        return CLoader
    reader: Any = yaml.reader.Reader
    scanner: Any = yaml.scanner.Scanner
    parser: Any = yaml.parser.Parser

    class PyLoader(reader, scanner, parser, depth_composer, key_constructor, resolver):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            reader.__init__(self, stream)
            scanner.__init__(self)
            parser.__init__(self)
            composer.__init__(self)
            constructor.__init__(self)
            resolver.__init__(self)

    return PyLoader


def _depth_composer(composer: Any) -> Any:
    from yaml.composer import ComposerError

    class DepthComposer(composer):  # type: ignore[misc]
        # PyYAML's composer recurses once per level, libyaml's too (in C): this
        # one stops at max_depth, before either could exhaust its stack. It also
        # stops a list or mapping past the widest the limits allow, and a
        # document past max_values, before composing nodes that would be refused.
        limits = DEFAULT_LIMITS
        _depth = 0
        _nodes = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            self._depth += 1
            self._nodes += 1
            try:
                limits = self.limits
                problem = None
                if self._depth > limits.max_depth:
                    problem = f"nested deeper than {limits.max_depth} levels (limit max_depth)"
                elif self._nodes > limits.max_values:
                    problem = f"more than {_plural(limits.max_values, 'value')} in the document (limit max_values)"
                elif parent is not None and len(parent.value) >= max(limits.max_items, limits.max_entries):
                    widest = max(limits.max_items, limits.max_entries)
                    problem = f"more than {widest:,} items in one list or mapping (limits max_items, max_entries)"
                if problem is not None:
                    raise ComposerError(None, None, problem, self.peek_event().start_mark)
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

    return DepthComposer


def _key_constructor(constructor: Any) -> Any:
    class KeyConstructor(constructor):  # type: ignore[misc]
        def construct_yaml_map(self, node: Any) -> Iterator[dict[Any, Any]]:
            duplicates = self._duplicates(node)
            data: dict[Any, Any] = _Mapping() if duplicates else {}
            yield data
            data.update(self.construct_mapping(node))
            if duplicates:
                data.duplicates = duplicates  # type: ignore[attr-defined]

        def _duplicates(self, node: Any) -> list[tuple[Any, int | None]]:
            # The keys as written, before "<<" merges, which may override on purpose.
            seen: set[Any] = set()
            out: list[tuple[Any, int | None]] = []
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node)
                try:
                    if key in seen:
                        out.append((key, key_node.start_mark.line + 1))
                    seen.add(key)
                except TypeError:
                    continue  # an unhashable key: the constructor reports it
            return out

    KeyConstructor.add_constructor("tag:yaml.org,2002:map", KeyConstructor.construct_yaml_map)
    return KeyConstructor


# -- the decoded document ----------------------------------------------------------

_MAX_PROBLEMS = 20


def check_tree(
    value: Any, limits: Limits | None, *, source: str | None, error: type[SuppcheckError] = InputError
) -> None:
    """Walk a decoded document once, without recursion: duplicate keys, and sizes within ``limits``.

    With ``limits`` None only duplicate keys are looked for.
    """
    problems: list[Problem] = []
    stack: list[_Node] = [(value, "", (), 0)]
    count = 0
    while stack and len(problems) < _MAX_PROBLEMS:
        node, path, loc, depth = stack.pop()
        count += 1
        if limits is not None and count > limits.max_values:
            problems.append(
                Problem(
                    f"more than {_plural(limits.max_values, 'value')} in the document, YAML aliases counted each "
                    "time they are used (limit max_values)",
                    "too_many_values",
                )
            )
            break
        if isinstance(node, str):
            if limits is not None and len(node) > limits.max_string:
                problems.append(
                    _at(
                        path,
                        loc,
                        f"a string of {_plural(len(node), 'character')}, more than {limits.max_string:,} "
                        "(limit max_string)",
                        "string_too_long",
                    )
                )
        elif isinstance(node, Mapping):
            stack.extend(reversed(_mapping_children(node, path, loc, depth, limits, problems)))
        elif isinstance(node, Sequence) and not isinstance(node, bytes | bytearray):
            stack.extend(reversed(_sequence_children(node, path, loc, depth, limits, problems)))
    if problems:
        raise error(problems, source=source)


# A node of the document as check_tree walks it: the value, its path as text and as a tuple, its depth.
_Node = tuple[Any, str, tuple[int | str, ...], int]


def _mapping_children(
    node: Mapping[Any, Any],
    path: str,
    loc: tuple[int | str, ...],
    depth: int,
    limits: Limits | None,
    problems: list[Problem],
) -> list[_Node]:
    """A mapping's duplicate keys and sizes, into ``problems``; the values to walk next, in order."""
    if isinstance(node, _Mapping):
        for key, line in node.duplicates:
            at = f" (line {line})" if line is not None else ""
            problems.append(_at(_join(path, key), (*loc, key), f"duplicate key {key!r}{at}", "duplicate_key"))
    if limits is not None:
        if depth >= limits.max_depth:
            problems.append(_at(path, loc, f"nested deeper than {limits.max_depth} levels", "too_deep"))
            return []
        if len(node) > limits.max_items:
            problems.append(
                _at(
                    path,
                    loc,
                    f"{_plural(len(node), 'key')}, more than {limits.max_items:,} (limit max_items)",
                    "too_many_items",
                )
            )
            return []
    children: list[_Node] = []
    for key, item in node.items():
        if isinstance(key, str) and limits is not None and len(key) > limits.max_string:
            problems.append(
                _at(
                    path,
                    loc,
                    f"a key of {_plural(len(key), 'character')}, more than {limits.max_string:,} (limit max_string)",
                    "string_too_long",
                )
            )
            continue
        children.append((item, _join(path, key), (*loc, key), depth + 1))
    return children


def _sequence_children(
    node: Sequence[Any],
    path: str,
    loc: tuple[int | str, ...],
    depth: int,
    limits: Limits | None,
    problems: list[Problem],
) -> list[_Node]:
    """A list's depth and length, into ``problems``; its items to walk next, in order."""
    if limits is not None:
        if depth >= limits.max_depth:
            problems.append(_at(path, loc, f"nested deeper than {limits.max_depth} levels", "too_deep"))
            return []
        bound, what = (limits.max_entries, "max_entries") if path == "regimen" else (limits.max_items, "max_items")
        if len(node) > bound:
            noun = "entry" if path == "regimen" else "item"
            plural = "entries" if path == "regimen" else "items"
            problems.append(
                _at(
                    path,
                    loc,
                    f"{len(node):,} {noun if len(node) == 1 else plural}, more than {bound:,} (limit {what})",
                    "too_many_entries" if path == "regimen" else "too_many_items",
                )
            )
            return []
    return [(item, f"{path}[{i}]", (*loc, i), depth + 1) for i, item in enumerate(node)]


def _at(path: str, loc: tuple[int | str, ...], message: str, kind: str) -> Problem:
    return Problem(message, kind, loc, None, path or "(document)")


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)

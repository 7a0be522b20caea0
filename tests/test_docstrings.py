"""Every public definition in suppcheck has a docstring, the rule families' protocol method included.

Public means a module-level function or class, or a method or property of
one, whose name does not start with ``_``, in any module of the package:
private modules hold the house a contributor works in, so they count too
(pydocstyle, which ruff runs, treats everything in a private module as
private and would not look).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "suppcheck"


def _definitions(node: ast.AST, prefix: str = "") -> list[tuple[str, ast.AST]]:
    found: list[tuple[str, ast.AST]] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and not child.name.startswith("_"):
            found.append((prefix + child.name, child))
            if isinstance(child, ast.ClassDef):
                found += _definitions(child, prefix + child.name + ".")
    return found


def test_every_public_definition_has_a_docstring() -> None:
    missing = []
    count = 0
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if ast.get_docstring(tree) is None and path.name != "__main__.py":
            missing.append(f"{path.relative_to(SRC)} (module)")
        for name, node in _definitions(tree):
            count += 1
            assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            if ast.get_docstring(node) is None:
                missing.append(f"{path.relative_to(SRC)}:{node.lineno} {name}")
    assert count > 300
    assert not missing, "\n".join(missing)


def test_the_family_protocol_method_says_what_it_returns() -> None:
    from suppcheck._rules import Family

    assert Family.evaluate.__doc__
    assert "finding" in Family.evaluate.__doc__

"""Every Python example on the documentation site runs, as written, in a fresh namespace.

The site is docs/ (mkdocs.yml); README.md's examples are checked by
tests/test_docs.py. An example that needs a file creates it; none may reach
the network.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").rglob("*.md"))


# A block the tests cannot run (it needs software suppcheck does not install) says so just above its fence.
NOT_RUN = "<!-- not run: "


def _examples() -> list[tuple[str, str, bool]]:
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        pattern = r"(<!-- not run: [^\n]*-->\n)?```python\n(.*?)```"
        for number, (note, code) in enumerate(re.findall(pattern, text, re.DOTALL)):
            found.append((f"{page.relative_to(ROOT / 'docs')}#{number}", code, bool(note)))
    return found


EXAMPLES = _examples()


def test_the_site_has_examples_for_every_guide() -> None:
    pages = {label.split("#")[0] for label, _, _ in EXAMPLES}
    assert {"index.md", "guides/app-developer.md", "guides/pharmacist.md", "guides/analyst.md"} <= pages
    # Only the Spark recipe is exempt, and it still has to compile.
    assert [label for label, _, not_run in EXAMPLES if not_run] == ["screening.md#3"]


@pytest.mark.parametrize(("label", "code", "not_run"), EXAMPLES, ids=[label for label, _, _ in EXAMPLES])
def test_every_example_runs(
    label: str, code: str, not_run: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    compiled = compile(code, label, "exec")
    if not_run:
        return
    namespace: dict[str, object] = {"__name__": f"docs_example_{re.sub(r'[^a-z0-9]', '_', label)}"}
    exec(compiled, namespace)  # the documentation's own code

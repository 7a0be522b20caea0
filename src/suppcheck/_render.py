"""Human-readable reports: a rich table for terminals, and markdown.

rich is imported inside :func:`render_table` only, so that ``suppcheck check
--format json`` and ``import suppcheck`` never pay for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, TYPE_CHECKING

from ._outcome import visible
from ._report import Finding, Report, Total
from ._severity import Severity

if TYPE_CHECKING:
    from rich.console import Console

SEVERITY_STYLE = {
    Severity.CONTRAINDICATED: "bold white on red",
    Severity.MAJOR: "bold red",
    Severity.MODERATE: "bold yellow",
    Severity.MINOR: "cyan",
    Severity.INFO: "green",
}


def _num(value: float) -> str:
    """``12,500``, ``282``, ``2.4``: whole numbers from 100 up, three significant digits below."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def _upper_limit(total: Total) -> str:
    if total.upper_limit is None:
        return "-"
    basis = "" if total.basis == "total" else f" ({total.basis.replace('_', ' ')})"
    return f"{_num(total.upper_limit)} {total.unit}{basis}"


def _percent(total: Total) -> str:
    return "-" if total.ratio_to_upper_limit is None else f"{total.ratio_to_upper_limit * 100:.0f} %"


def _recommended(total: Total) -> str:
    if total.recommended_intake is None:
        return "-"
    kind = f" ({total.recommended_intake_kind})" if total.recommended_intake_kind else ""
    return f"{_num(total.recommended_intake)} {total.recommended_intake_unit or total.unit}{kind}"


def _sources(total: Total, report: Report) -> str:
    names = [report.entries[i].name for i in total.entries if i < len(report.entries)]
    return ", ".join(dict.fromkeys(names))


def _by_severity(findings: Iterable[Finding]) -> list[tuple[Severity, list[Finding]]]:
    groups: dict[Severity, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.severity, []).append(finding)
    return sorted(groups.items(), key=lambda item: -item[0].rank)


def _verdict(report: Report) -> str:
    worst = report.max_severity.value if report.max_severity else "none"
    complete = "yes" if report.complete else "no: some input was not recognized"
    return f"knowledge base {report.knowledge_version}; worst finding: {worst}; complete: {complete}"


def _trace(report: Report) -> list[tuple[str, str]]:
    """What extra rules files changed, as (label, text): empty for the bundled knowledge base alone."""
    lines = [("Extra rules file", f"{f.name} (sha256 {f.sha256})") for f in report.extra_files]
    by_section: dict[str, list[str]] = {}
    for o in report.overrides:
        by_section.setdefault(o.section, []).append(f"{o.id} (from {o.file})")
    lines += [(f"Overridden {section}", ", ".join(ids)) for section, ids in by_section.items()]
    return lines


def make_console(file: IO[str]) -> Console:
    """A console that honours NO_COLOR, FORCE_COLOR and whether ``file`` is a terminal."""
    from rich.console import Console

    return Console(file=file, highlight=False, emoji=False)


def render_table(console: Console, report: Report, *, source: str, min_severity: Severity) -> None:
    """Print one report: the person, a totals table, then findings grouped by severity."""
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    shown = visible(report, min_severity)
    console.print(Text(f"suppcheck: {source}", style="bold"))
    console.print(Text(f"Person: {report.person.description}"))
    if report.foods:
        console.print(Text(f"Foods and drinks: {foods_line(report)}"))
    console.print(Text(_verdict(report), style="dim"))
    for label, text in _trace(report):
        console.print(Text(f"{label}: {text}", style="bold yellow"))
    if report.totals:
        console.print(Text("Daily totals", style="bold"))
        table = Table()
        table.add_column("Substance", overflow="fold")
        table.add_column("Per day", justify="right", no_wrap=True)
        table.add_column("Upper limit", overflow="fold")
        table.add_column("% of UL", justify="right", no_wrap=True)
        table.add_column("Recommended", overflow="fold")
        table.add_column("From", overflow="fold")
        for total in report.totals:
            over = total.ratio_to_upper_limit is not None and total.ratio_to_upper_limit > 1
            table.add_row(
                escape(total.substance),
                f"{_num(total.daily_amount)} {escape(total.unit)}",
                escape(_upper_limit(total)),
                Text(_percent(total), style="bold red" if over else ""),
                escape(_recommended(total)),
                escape(_sources(total, report)),
            )
        console.print(table)
    if not report.findings:
        console.print(Text("No findings.", style="green"))
    for severity, findings in _by_severity(shown.findings):
        style = SEVERITY_STYLE[severity]
        console.print()
        console.print(Text(f"{severity.value.upper()} ({len(findings)})", style=style))
        for finding in findings:
            evidence = f", evidence {finding.evidence.value}" if finding.evidence else ""
            head = Text("* ")
            head.append(finding.code, style=style)
            head.append(f"  [{finding.rule_id}{evidence}]", style="dim")
            console.print(head)
            _indented(console, finding.message)
            _indented(console, f"-> {finding.recommendation}", style="italic")
    hidden = len(report.findings) - len(shown.findings)
    if hidden:
        console.print(Text(f"\n{hidden} finding(s) below {min_severity.value} not shown.", style="dim"))
    console.print(Text(f"\n{report.disclaimer}", style="dim italic"))


def _indented(console: Console, text: str, *, style: str = "", indent: int = 2) -> None:
    """Wrapped with a left margin, without the trailing spaces rich's Padding would add."""
    import textwrap

    from rich.text import Text

    for line in textwrap.wrap(text, width=max(console.width - indent, 20), break_on_hyphens=False):
        console.print(Text(" " * indent + line, style=style), no_wrap=True, overflow="ignore", crop=False)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def foods_line(report: Report) -> str:
    """``coffee 1 cup at 07:15; wine 2 drinks at dinner``: the day's foods as given."""
    return "; ".join(f.as_given() for f in report.foods)


def render_markdown(report: Report, *, source: str, min_severity: Severity) -> str:
    """The report as Markdown: the person, the verdict, the totals and the findings worst first."""
    shown = visible(report, min_severity)
    out = [f"# suppcheck: {source}", "", f"**Person:** {report.person.description}", ""]
    if report.foods:
        out += [f"**Foods and drinks:** {_cell(foods_line(report))}", ""]
    out += [_verdict(report), ""]
    trace = _trace(report)
    if trace:
        out += [*(f"- **{label}:** {_cell(text)}" for label, text in trace), ""]
    if report.totals:
        out += [
            "## Daily totals",
            "",
            "| Substance | Daily amount | Upper limit | % of limit | Recommended | From |",
            "|---|---:|---|---:|---|---|",
        ]
        for t in report.totals:
            cells = (
                t.substance,
                f"{_num(t.daily_amount)} {t.unit}",
                _upper_limit(t),
                _percent(t),
                _recommended(t),
                _sources(t, report),
            )
            out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        out.append("")
    out += ["## Findings", ""]
    if not report.findings:
        out += ["No findings.", ""]
    for severity, findings in _by_severity(shown.findings):
        out += [f"### {severity.value.capitalize()} ({len(findings)})", ""]
        for f in findings:
            evidence = f", evidence {f.evidence.value}" if f.evidence else ""
            out.append(f"- **{f.code}** (`{f.rule_id}`{evidence}): {f.message}")
            out.append(f"  - Recommendation: {f.recommendation}")
            if f.references:
                refs = "; ".join(f"[{r.title}]({r.url})" for r in f.references)
                out.append(f"  - Sources: {refs}")
        out.append("")
    hidden = len(report.findings) - len(shown.findings)
    if hidden:
        out += [f"_{hidden} finding(s) below {min_severity.value} not shown._", ""]
    out += [f"_{report.disclaimer}_", ""]
    return "\n".join(out)

"""What the command line makes of a report: the findings it shows and its exit code.

Kept apart from the renderers and the batch runner, which import rich and
multiprocessing machinery, so that ``check --format json`` loads neither.
"""

from __future__ import annotations

from ._report import Report
from ._severity import Severity

# Exit codes by how much they matter across inputs: a bad input (2) outranks a
# finding (1), which outranks an incomplete check (3), which outranks clean (0).
_EXIT_RANK = {0: 0, 3: 1, 1: 2, 2: 3}


def visible(report: Report, min_severity: Severity) -> Report:
    """The report with findings below ``min_severity`` left out (totals and verdicts unchanged)."""
    if min_severity is Severity.INFO:
        return report
    kept = tuple(f for f in report.findings if f.severity >= min_severity)
    return report.model_copy(update={"findings": kept})


def report_exit_code(report: Report, *, fail_on: Severity, allow_unknown: bool) -> int:
    """1 with a finding at or above ``fail_on``, else 3 when incomplete (unless allowed), else 0."""
    if report.at_or_above(fail_on):
        return 1
    return 3 if not report.complete and not allow_unknown else 0


def worst_exit_code(*codes: int) -> int:
    """The code that matters most across inputs: 2 > 1 > 3 > 0."""
    return max(codes, key=lambda code: _EXIT_RANK.get(code, 4), default=0)

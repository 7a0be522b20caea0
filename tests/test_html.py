"""The HTML report and handout, rendered in a real headless Chromium.

Every golden case is rendered (``check`` and ``schedule``) to PNG and to PDF
(A4 and US Letter), and each page is held to: no console error, no request
beyond the file itself, no horizontal overflow at phone width (375 px) or at
A4 print width, one timeline marker per dose, and no accessibility
violation found by axe-core (contrast, structure, labels). A hostile name
shows as text. Chromium is Debian's ``chromium`` (``.ci/run`` installs it).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright import sync_api as playwright

import suppcheck
from suppcheck import RegimenFile, check, load_regimen, plan
from suppcheck._html import html_report
from suppcheck._plan.html import html_handout

from .test_cli import run
from .test_golden import CASES, GOLDEN

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
A4_PRINT_WIDTH = round((210 - 2 * 14) / 25.4 * 96)  # A4 less the 14 mm page margins, in CSS pixels
A4_PRINT_HEIGHT = round((297 - 2 * 14) / 25.4 * 96)


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("Debian's chromium is needed for the HTML tests: apt-get install chromium (.ci/run does)")
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


class Page:
    """A page with what it logged and requested."""

    def __init__(self, browser: Any, path: Path, width: int = 375) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page(viewport={"width": width, "height": 900})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.url = path.as_uri()
        self.page.goto(self.url)

    def overflow(self) -> int:
        width: int = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        return width

    def close(self) -> None:
        self.page.close()


def expected_markers(regimen: RegimenFile) -> int:
    kb = suppcheck.load_knowledge()
    doses = sum(len(e.times) for e in regimen.regimen if e.times is not None)
    meds = sum(len(m.times) for m in regimen.profile.medications if m.times and kb.medication(m.name) is not None)
    foods = sum(
        len(f.times) for f in regimen.foods if f.times and (kb.food(f.name) or kb.food_category(f.name)) is not None
    )
    return doses + meds + foods


def assert_sound(browser: Any, path: Path, tmp_path: Path) -> Page:
    from axe_playwright_python.sync_playwright import Axe

    shown = Page(browser, path)
    assert shown.overflow() <= 0, f"{path.name}: wider than a phone"
    results = Axe().run(shown.page)
    assert results.violations_count == 0, results.generate_report()
    png = shown.page.screenshot(full_page=True)
    assert png.startswith(b"\x89PNG")
    shown.page.emulate_media(media="print")
    shown.page.set_viewport_size({"width": A4_PRINT_WIDTH, "height": 1100})
    assert shown.overflow() <= 0, f"{path.name}: wider than an A4 page"
    for paper in ("A4", "Letter"):
        pdf = shown.page.pdf(format=paper, print_background=True)
        assert pdf.startswith(b"%PDF"), paper
    assert shown.errors == [], shown.errors
    assert shown.requests == [shown.url], "the page asked for something beyond itself"
    return shown


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_every_golden_report_renders_soundly(browser: Any, case: Path, tmp_path: Path) -> None:
    regimen = load_regimen(case)
    path = tmp_path / "report.html"
    path.write_text(html_report(check(regimen), source=case.name), encoding="utf-8")
    shown = assert_sound(browser, path, tmp_path)
    assert shown.page.locator("svg.timeline g.marker").count() == expected_markers(regimen)
    assert shown.page.locator("h1").count() == 1
    shown.close()


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_every_golden_schedule_renders_soundly(browser: Any, case: Path, tmp_path: Path) -> None:
    regimen = load_regimen(case)
    path = tmp_path / "handout.html"
    path.write_text(html_handout(plan(regimen), source=case.name), encoding="utf-8")
    shown = assert_sound(browser, path, tmp_path)
    # assert_sound left the page in print media at A4 width: the patient's part fits one printed page.
    bottom = shown.page.evaluate("document.querySelector('section.handout').getBoundingClientRect().bottom")
    assert bottom <= A4_PRINT_HEIGHT, f"{case.name}: the handout runs past one A4 page ({bottom:.0f} px)"
    text = shown.page.inner_text("main")
    day = plan(regimen)
    for dose in day.doses:
        assert dose.time in text, dose
    for food in day.foods:
        assert all(t in text for t in food.times), food
    shown.close()


HOSTILE = '<script>document.title="owned"</script>"\'&<img src=x onerror=alert(1)>'


def test_a_hostile_name_shows_as_text(browser: Any, tmp_path: Path) -> None:
    regimen = RegimenFile.model_validate(
        {
            "profile": {"age": 40, "conditions": [HOSTILE], "medications": [{"name": HOSTILE, "times": ["08:00"]}]},
            "regimen": [
                {"substance": HOSTILE, "amount": "1 mg", "times": ["08:00"]},
                {"product": HOSTILE, "times": ["09:00"], "ingredients": [{"substance": "zinc", "amount": "15 mg"}]},
            ],
        }
    )
    for name, text in (
        ("report.html", html_report(check(regimen), source=HOSTILE)),
        ("handout.html", html_handout(plan(regimen), source=HOSTILE)),
    ):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        shown = Page(browser, path)
        assert shown.page.locator("script").count() == 0
        assert shown.page.locator("img").count() == 0
        assert HOSTILE in shown.page.inner_text("body")
        assert shown.page.title() != "owned"
        assert shown.errors == []
        assert shown.requests == [shown.url]
        shown.close()


def test_the_command_line_writes_html_for_check_and_schedule(tmp_path: Path) -> None:
    example = str(Path(__file__).resolve().parents[1] / "examples" / "tremor-magnesium-kidney.yaml")
    report = run(["check", example, "--format", "html"], cwd=tmp_path)
    assert report.returncode == 1, report.stderr
    assert report.stdout.startswith("<!DOCTYPE html>")
    assert "timing.separation" in report.stdout
    assert report.stdout.count("<html") == 1
    several = run(["check", example, example, "--format", "html"], cwd=tmp_path)
    assert several.stdout.count("<html") == 1
    assert several.stdout.count("<article>") == 2
    handout = run(["schedule", example, "--format", "html"], cwd=tmp_path)
    assert handout.returncode in (0, 1), handout.stderr
    assert handout.stdout.startswith("<!DOCTYPE html>")
    assert "Your day" in handout.stdout
    assert "For the pharmacist" in handout.stdout


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_the_report_alone_draws_the_page(case: Path) -> None:
    # A report read back from its JSON, with no regimen beside it, draws the same page.
    report = check(load_regimen(case))
    again = suppcheck.Report.model_validate_json(report.model_dump_json())
    assert html_report(again, source=case.name) == html_report(report, source=case.name)


def test_the_day_is_drawn_at_the_times_the_report_gives() -> None:
    report = check(
        {
            "profile": {
                "age": 45,
                "medications": [
                    {"name": "doxycycline", "times": ["08:00"]},
                    {"name": "no such pill", "times": ["9am"]},
                ],
                "day": {"breakfast": "08:00"},
            },
            "regimen": [
                {"substance": "magnesium", "amount": "200 mg", "times": ["with breakfast"]},
                {"substance": "zinc", "amount": "15 mg", "per_week": 3},
            ],
        }
    )
    page = html_report(report)
    assert "magnesium 200 mg at 08:00" in page
    assert "doxycycline at 08:00" in page
    assert "zinc 15 mg (3 a week)" in page
    assert "no such pill (not recognized, so not drawn)" in page
    assert 'class="band"' in page
    assert "with doxycycline: needs" in page


def test_foods_are_drawn_on_the_day_with_their_windows() -> None:
    report = check(load_regimen(GOLDEN / "food-levothyroxine-coffee-0715.yaml"))
    page = html_report(report)
    assert page.count('data-kind="food"') == 1
    assert "coffee 1 cup at 07:15" in page
    assert "with coffee: needs 0.5 h, scheduled 0.25 h apart" in page  # on the levothyroxine line
    assert "<dt>Foods and drinks</dt><dd>coffee 1 cup at 07:15</dd>" in page
    assert "diamonds foods and drinks" in page
    milk = check(load_regimen(GOLDEN / "food-ciprofloxacin-milk-with-a-meal.yaml"))
    assert "with milk" not in html_report(milk)  # milk with a meal does not count against ciprofloxacin


def test_a_food_listed_with_a_meal_gets_no_taken_alone_band() -> None:
    # Milk at 10:30 beside a listed meal is part of it, as the check counts it; only the 15:00 milk, taken
    # alone, is drawn against ciprofloxacin's dairy-alone window.
    report = check(
        {
            "profile": {"age": 30, "sex": "male", "medications": [{"name": "ciprofloxacin", "times": ["20:00"]}]},
            "regimen": [{"substance": "vitamin d", "amount": "1000 IU", "times": ["dinner"]}],
            "foods": [{"name": "meal", "times": ["10:30"]}, {"name": "milk", "times": ["10:30", "15:00"]}],
        }
    )
    assert [(f.name, f.with_meal) for f in report.foods] == [("meal", (True,)), ("milk", (True, False))]
    (finding,) = [f for f in report.findings if f.rule_id == "food.abs.ciprofloxacin.dairy_alone"]
    assert finding.code == "food.separation"
    page = html_report(report)
    assert page.count('<rect class="band"') == 1
    assert "<title>with milk: needs 6 h, scheduled 5 h apart</title>" in page

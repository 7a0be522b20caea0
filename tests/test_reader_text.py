"""Nothing unreviewed reaches the reader.

Every string a user can see (knowledge-base text, rendered reports,
``explain`` and ``lookup``) is written for a pharmacist: it never says how
the knowledge base was built. Such notes belong in ``provenance``, which no
renderer shows. References point at primary sources or publishers' public
pages, never at document-sharing copies or staging hosts.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import suppcheck
from suppcheck import KnowledgeBase, Severity, check, load_regimen
from suppcheck._describe import explain, lookup, lookup_condition, lookup_form, lookup_medication, lookup_substance
from suppcheck._render import make_console, render_markdown, render_table

from .test_golden import CASES

# Words about how the data was gathered. Each is written so that ordinary clinical text
# ("nuts, seeds and vegetable oils", "grape seed extract", "read the label") passes.
BANNED: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.I)
    for name, pattern in {
        "seed article": r"seed[- ]?0\d\d|\bseeds?\s*\d{1,3}\b|\bseeds?'s?\s+(?:article|material|claims?)\b"
        r"|\bseed's\b|\bseeds?\s+(?:says?|states?|lists?|names?|asserts?|encodes?|claims?)\b",
        "the project": r"\b(?:the|this) project\b|\barticles? the project\b",
        "session": r"\bthis session\b|\bin (?:a|the) session\b",
        "reference sheet": r"\breference[- ]sheet\b|\bshared sheet\b|\bsheet [A-Z]\d*\b|\bsheet source\b",
        "sheet id": r"\(S\d{1,3}[a-z]?\)|\bS\d{1,3}[a-z]?, read\b|\bsources? S\d",
        "verbatim": r"\bverbatim\b",
        "status code": r"\bV-copy\b|\bV2\b|\(V\)|\bstatus V\b|\bCALC\b",
        "re-read": r"\bre-?read\b",
        "unverified": r"\bunverified\b|\bnot (?:been )?verified\b|\bverified (?:in|here)\b",
        "not read": r"\bcould not be read\b|\b(?:was|were|been|be) not read\b|\bnot read\b|\bread only\b"
        r"|\bread (?:in|via) (?:a |the )?(?:copy|copies|secondary|summar)",
        "copy": r"\bcop(?:y|ies)\b",
        "looked up": r"\blooked up\b|\bnot found in this\b",
        "document sharing": r"\bscribd\b|\bdocslib\b|\bskyscape\b|\byumpu\b|\bstudylib\b|\bdocsity\b|\bpdfcoffee\b",
    }.items()
}

# Hosts that serve copies of other publishers' documents, and staging, QA or mirror hosts of a publisher.
SHARING_HOSTS = re.compile(r"(?:^|\.)(?:scribd|docslib|skyscape|yumpu|studylib|docsity|pdfcoffee|issuu)\.", re.I)
STAGING_HOSTS = re.compile(
    r"^(?:uat|sit|qa\d*|origin-www|origin|webmail|staging|stage|stg|dev|test|preview|beta)\d*[.-]|mimsdev\.|-beta\.",
    re.I,
)

RECORD_SECTIONS = (
    "references",
    "substances",
    "forms",
    "limits",
    "medication_classes",
    "medications",
    "conditions",
    "rules",
)


def banned_words(text: str) -> list[str]:
    """The names of the banned patterns found in ``text``."""
    return [name for name, pattern in BANNED.items() if pattern.search(text)]


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string under ``value`` with its JSON path, except provenance and URLs."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in ("provenance", "url"):
                yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")
    elif isinstance(value, str):
        yield path, value


def _offences(named_texts: Iterator[tuple[str, str]]) -> list[str]:
    return [f"{where}: {names}: {text[:160]!r}" for where, text in named_texts if (names := banned_words(text))]


@pytest.mark.parametrize(
    ("text", "banned"),
    [
        ("seed 004 states one without a source", True),
        ("Seed 004 says high-dose NSAIDs reduce absorption", True),
        ("Seeds 002/004 claims of reliable relief", True),
        ("the checker reports the seed's claim", True),
        ("wording not re-read in this session", True),
        ("Per the project reference sheet (status V)", True),
        ("(reference sheet S16, read)", True),
        ("read in a verbatim copy of the NHS text", True),
        ("the '100% elemental' claim seen is UNVERIFIED", True),
        ("Nuts, seeds and vegetable oils usually supply enough vitamin E.", False),
        ("Grape seed extract; flaxseed oil.", False),
        ("Read the label's elemental amount.", False),
        ("Coeliac disease and Crohn's disease reduce absorption.", False),
    ],
)
def test_the_banned_list_catches_gathering_words_and_spares_clinical_text(text: str, banned: bool) -> None:
    assert bool(banned_words(text)) is banned, (text, banned_words(text))


def test_no_user_visible_knowledge_base_text_says_how_it_was_gathered(raw_kb: dict[str, Any]) -> None:
    found = _offences(_strings(raw_kb, "$"))
    assert not found, "move these to provenance or rewrite them for a reader:\n" + "\n".join(found)


def test_the_before_stop_pattern_finds_nothing_outside_provenance(raw_kb: dict[str, Any]) -> None:
    # The exact pattern the project's hook greps for: it must agree with the broader list above.
    hook = re.compile(r"seed[- ]?0\d\d|this session|reference sheet|verbatim cop|not re-?read", re.I)
    found = [where for where, text in _strings(raw_kb, "$") if hook.search(text)]
    assert not found, found


def test_every_record_model_with_a_note_takes_a_provenance() -> None:
    from suppcheck._kb import models

    for name in ("Reference", "Substance", "Form", "Limit", "MedicationClass", "Medication", "Condition", "Rule"):
        fields = getattr(models, name).model_fields
        assert "note" in fields, name
        assert "provenance" in fields, name
        assert fields["provenance"].default is None, name
        assert "never rendered" in (fields["provenance"].description or "").lower(), name


def test_provenance_is_used_where_text_was_moved(raw_kb: dict[str, Any]) -> None:
    # The field exists for a reason: the moved maintainer notes are in it, not lost.
    with_provenance = [r for section in RECORD_SECTIONS for r in raw_kb.get(section, ()) if r.get("provenance")]
    assert len(with_provenance) >= 50
    propranolol = next(r for r in raw_kb["rules"] if r["id"] == "med.magnesium.propranolol")
    assert "described in the labels or the literature searched" in propranolol["mechanism"]


def _normalised(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}?{parts.query}".rstrip("?")


def test_no_two_references_share_a_url(kb: KnowledgeBase) -> None:
    seen: dict[str, str] = {}
    shared = []
    for ref in kb.references.values():
        key = _normalised(ref.url)
        if key in seen:
            shared.append(f"{seen[key]} and {ref.id}: {ref.url}")
        seen.setdefault(key, ref.id)
    assert not shared, "keep one id per URL:\n" + "\n".join(shared)


def test_no_reference_points_at_a_copy_or_a_staging_host(kb: KnowledgeBase) -> None:
    bad = []
    for ref in kb.references.values():
        host = urlsplit(ref.url).hostname or ""
        if SHARING_HOSTS.search(host) or STAGING_HOSTS.search(host):
            bad.append(f"{ref.id}: {ref.url}")
    assert not bad, "cite the primary source or the publisher's public page:\n" + "\n".join(bad)


# Consumer and aggregator sites that summarise labels or monographs: useful, but not a primary source.
SUMMARY_HOSTS = (
    "blinkhealth.com", "cancertherapyadvisor.com", "chemistdirect.co.uk", "druginteractionchecker.com",
    "druglib.com", "drugs.com", "ebmconsult.com", "epgonline.org", "epnet.com", "globalrph.com", "mayoclinic.org",
    "medicinenet.com", "medizzine.com", "medlineplus.gov", "medscape.com", "medx.it.com", "merckmanuals.com",
    "mims.com", "mymlc.com", "pdr.net", "peacehealth.org", "pfusion.net", "pharmacist.com", "rxreasoner.com",
    "rxwiki.com", "stlukes-stl.com", "uspharmacist.com", "vibore.com", "webmd.com", "berkeleywellness.com",
)  # fmt: skip


def _summary_only(kb: KnowledgeBase, ids: tuple[str, ...]) -> bool:
    hosts = [urlsplit(kb.references[i].url).hostname or "" for i in ids]
    return all(any(h == s or h.endswith("." + s) for s in SUMMARY_HOSTS) for h in hosts)


def test_a_record_resting_only_on_summaries_is_graded_c_or_d(kb: KnowledgeBase) -> None:
    graded = [*kb.rules.values(), *kb.limits.values()]
    strong = [r.id for r in graded if _summary_only(kb, r.references) and r.evidence.value in ("A", "B")]
    assert not strong, "add a primary source (label, NASEM, ODS, PubMed) or lower the grade: " + ", ".join(strong)
    assert any(_summary_only(kb, r.references) for r in graded)  # the host list does recognise summaries


@pytest.mark.parametrize(
    ("url", "bad"),
    [
        ("https://www.scribd.com/document/1/x", True),
        ("https://docslib.org/download/1/x", True),
        ("https://download.skyscape.com/x.htm", True),
        ("https://uat.mimsdev.com/philippines/drug/info/x", True),
        ("https://sit.mimsdev.com/x", True),
        ("https://qa00.mdedge.com/x", True),
        ("http://origin-www.webmd.com/drugs/x", True),
        ("http://webmail.druglib.com/druginfo/x", True),
        ("https://dailymed-beta.nlm.nih.gov/dailymed/x", True),
        ("https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid=x", False),
        ("https://www.webmd.com/drugs/x", False),
        ("https://medicines.org.uk/emc/product/3130", False),
        ("https://www.situational.example.org/", False),
    ],
)
def test_the_host_lists_catch_copies_and_staging_hosts(url: str, bad: bool) -> None:
    host = urlsplit(url).hostname or ""
    assert bool(SHARING_HOSTS.search(host) or STAGING_HOSTS.search(host)) is bad, url


def _rendered(case: Path, kb: KnowledgeBase | None = None) -> dict[str, str]:
    regimen = load_regimen(case)
    report = check(regimen, knowledge=kb)
    buffer = io.StringIO()
    console = make_console(buffer)
    console.width = 120
    render_table(console, report, source=case.name, min_severity=Severity.INFO)
    return {
        "table": buffer.getvalue(),
        "markdown": render_markdown(report, source=case.name, min_severity=Severity.INFO),
        "json": report.model_dump_json(),
    }


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_golden_reports_say_nothing_about_how_the_data_was_gathered(case: Path) -> None:
    for fmt, text in _rendered(case).items():
        assert not banned_words(text), (fmt, banned_words(text))
        assert "provenance" not in text, fmt


def test_explain_and_lookup_say_nothing_about_how_the_data_was_gathered(kb: KnowledgeBase) -> None:
    outputs: list[tuple[str, str]] = []
    for ident in (*kb.rules, *kb.limits):
        text = explain(kb, ident)
        assert text is not None, ident
        outputs.append((f"explain {ident}", text))
    outputs += [(f"lookup {s.id}", lookup_substance(kb, s)) for s in kb.substances.values()]
    outputs += [(f"lookup form {f.id}", lookup_form(kb, f)) for f in kb.forms.values()]
    for name in (*kb.medications, *kb.medication_classes):
        match = kb.medication(name)
        assert match is not None, name
        outputs.append((f"lookup {name}", lookup_medication(kb, match)))
    outputs += [(f"lookup {c}", lookup_condition(kb, c)) for c in kb.conditions]
    found = _offences(iter(outputs))
    assert not found, "\n".join(found)


MARKER = "PROVENANCE-MARKER-7f3a"


@pytest.fixture(scope="module")
def marked_kb(tmp_path_factory: pytest.TempPathFactory, raw_kb: dict[str, Any]) -> KnowledgeBase:
    """The bundled knowledge base with a marker as the provenance of every record."""
    data = json.loads(json.dumps(raw_kb))
    for section in RECORD_SECTIONS:
        for record in data.get(section, ()):
            record["provenance"] = MARKER
    path = tmp_path_factory.mktemp("marked") / "interactions.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return suppcheck.load_knowledge(path)


def test_the_marked_knowledge_base_carries_the_marker(marked_kb: KnowledgeBase) -> None:
    assert marked_kb.rules["med.magnesium.propranolol"].provenance == MARKER
    assert marked_kb.references["ods-magnesium-hp"].provenance == MARKER


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_no_report_shows_provenance(case: Path, marked_kb: KnowledgeBase) -> None:
    rendered = _rendered(case, marked_kb)
    assert json.loads(rendered["json"])["findings"] or "No findings." in rendered["table"]
    for fmt, text in rendered.items():
        assert MARKER not in text, fmt


def test_explain_and_lookup_never_show_provenance(marked_kb: KnowledgeBase) -> None:
    kb = marked_kb
    texts = [explain(kb, ident) or "" for ident in (*kb.rules, *kb.limits)]
    texts += [lookup_substance(kb, s) for s in kb.substances.values()]
    texts += [lookup_form(kb, f) for f in kb.forms.values()]
    texts += [lookup_condition(kb, c) for c in kb.conditions]
    for name in (*kb.medications, *kb.medication_classes):
        match = kb.medication(name)
        assert match is not None, name
        texts.append(lookup_medication(kb, match))
    texts += lookup(kb, "magnesium")
    assert any("ods-magnesium-hp" in t for t in texts)  # references are printed, only without provenance
    assert not [t for t in texts if MARKER in t]

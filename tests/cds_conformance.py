"""A checker of CDS Hooks 2.0 responses, written from the specification's text.

HL7 CDS Hooks 2.0.1, "CDS Service Response" (Card Attributes, Source,
Suggestion, Action, Link, overrideReasons) and "Use of JSON" (no null or
empty element), and "Data Types: Coding". Each rule below quotes the
sentence it checks. It shares no code with suppcheck.server, so a mistake in
the service's card builder is not repeated here.
"""

from __future__ import annotations

import re
from typing import Any

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _no_null_or_empty(value: Any, where: str, problems: list[str]) -> None:
    # "Unless otherwise specified, JSON attribute values SHALL NOT be null or empty, so null, "", [], or {}
    # are prohibited."
    if value is None or value == "" or value == [] or value == {}:
        problems.append(f"{where}: null or empty")
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_null_or_empty(item, f"{where}.{key}", problems)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _no_null_or_empty(item, f"{where}[{i}]", problems)


def _absolute_url(value: Any) -> bool:
    return isinstance(value, str) and re.match(r"^https?://[^\s/]+", value) is not None


def _coding(value: Any, where: str, problems: list[str], *, display: bool) -> None:
    # Coding: "code REQUIRED", "system REQUIRED", "display CONDITIONAL ... REQUIRED for Override Reasons".
    if not isinstance(value, dict):
        problems.append(f"{where}: a Coding is an object")
        return
    for field in ("code", "system"):
        if not isinstance(value.get(field), str) or not value[field]:
            problems.append(f"{where}.{field}: required")
    if display and (not isinstance(value.get("display"), str) or not value["display"].strip()):
        problems.append(f"{where}.display: override reasons MUST have a display")


def card_problems(card: Any, where: str = "card") -> list[str]:
    """Everything in ``card`` that the specification does not allow."""
    problems: list[str] = []
    if not isinstance(card, dict):
        return [f"{where}: a card is an object"]
    _no_null_or_empty(card, where, problems)
    # "uuid OPTIONAL string: Unique identifier of the card."
    if "uuid" in card and (not isinstance(card["uuid"], str) or not _UUID.match(card["uuid"])):
        problems.append(f"{where}.uuid: not a UUID")
    _summary(card, where, problems)
    # "detail OPTIONAL string ... (GitHub Flavored) Markdown".
    if "detail" in card and not isinstance(card["detail"], str):
        problems.append(f"{where}.detail: a string")
    # "indicator REQUIRED ... Allowed values ... info, warning, critical."
    if card.get("indicator") not in ("info", "warning", "critical"):
        problems.append(f"{where}.indicator: {card.get('indicator')!r} is not info, warning or critical")
    _source(card, where, problems)
    _suggestions(card, where, problems)
    # "If override reasons are present, the CDS Service MUST populate a display value for each reason's Coding."
    if "overrideReasons" in card:
        reasons = card["overrideReasons"]
        if not isinstance(reasons, list):
            problems.append(f"{where}.overrideReasons: an array of Coding")
        else:
            for i, reason in enumerate(reasons):
                _coding(reason, f"{where}.overrideReasons[{i}]", problems, display=True)
    for i, link in enumerate(card.get("links") or ()):
        _link(link, f"{where}.links[{i}]", problems)
    return problems


def _summary(card: dict[str, Any], where: str, problems: list[str]) -> None:
    # "summary REQUIRED string: One-sentence, <140-character summary message".
    summary = card.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        problems.append(f"{where}.summary: required")
    elif len(summary) >= 140:
        problems.append(f"{where}.summary: {len(summary)} characters, not under 140")
    elif "\n" in summary:
        problems.append(f"{where}.summary: one sentence, not several lines")


def _source(card: dict[str, Any], where: str, problems: list[str]) -> None:
    # "source REQUIRED object"; Source: "label REQUIRED", "url OPTIONAL absolute URL", "topic OPTIONAL Coding".
    source = card.get("source")
    if not isinstance(source, dict):
        problems.append(f"{where}.source: required")
        return
    if not isinstance(source.get("label"), str) or not source["label"].strip():
        problems.append(f"{where}.source.label: required")
    for field in ("url", "icon"):
        if field in source and not _absolute_url(source[field]):
            problems.append(f"{where}.source.{field}: an absolute URL")
    if "topic" in source:
        _coding(source["topic"], f"{where}.source.topic", problems, display=False)


def _suggestions(card: dict[str, Any], where: str, problems: list[str]) -> None:
    # "If suggestions are present, selectionBehavior MUST also be provided."
    suggestions = card.get("suggestions")
    if suggestions is None:
        if "selectionBehavior" in card and card["selectionBehavior"] not in ("at-most-one", "any"):
            problems.append(f"{where}.selectionBehavior: at-most-one or any")
        return
    if not isinstance(suggestions, list):
        problems.append(f"{where}.suggestions: an array")
        suggestions = []
    if card.get("selectionBehavior") not in ("at-most-one", "any"):
        problems.append(f"{where}.selectionBehavior: required with suggestions, at-most-one or any")
    for i, suggestion in enumerate(suggestions):
        problems.extend(_suggestion_problems(suggestion, f"{where}.suggestions[{i}]"))
    recommended = [s for s in suggestions if isinstance(s, dict) and s.get("isRecommended") is True]
    # "Multiple suggestions MAY be recommended, if card.selectionBehavior is any."
    if len(recommended) > 1 and card.get("selectionBehavior") != "any":
        problems.append(f"{where}: several recommended suggestions need selectionBehavior any")


def _link(link: Any, at: str, problems: list[str]) -> None:
    # Link: "label REQUIRED", "url REQUIRED", "type REQUIRED ... absolute ... smart"; "appContext ... only ... smart".
    if not isinstance(link, dict):
        problems.append(f"{at}: an object")
        return
    if not isinstance(link.get("label"), str):
        problems.append(f"{at}.label: required")
    if not isinstance(link.get("url"), str):
        problems.append(f"{at}.url: required")
    if link.get("type") not in ("absolute", "smart"):
        problems.append(f"{at}.type: absolute or smart")
    if "appContext" in link and link.get("type") != "smart":
        problems.append(f"{at}.appContext: only for smart links")


def _suggestion_problems(suggestion: Any, where: str) -> list[str]:
    problems: list[str] = []
    if not isinstance(suggestion, dict):
        return [f"{where}: an object"]
    # Suggestion: "label REQUIRED", "uuid OPTIONAL", "isRecommended OPTIONAL boolean", "actions OPTIONAL array".
    if not isinstance(suggestion.get("label"), str) or not suggestion["label"].strip():
        problems.append(f"{where}.label: required")
    if "uuid" in suggestion and (not isinstance(suggestion["uuid"], str) or not _UUID.match(suggestion["uuid"])):
        problems.append(f"{where}.uuid: not a UUID")
    if "isRecommended" in suggestion and not isinstance(suggestion["isRecommended"], bool):
        problems.append(f"{where}.isRecommended: a boolean")
    for i, action in enumerate(suggestion.get("actions") or ()):
        _action(action, f"{where}.actions[{i}]", problems)
    return problems


def _action(action: Any, at: str, problems: list[str]) -> None:
    if not isinstance(action, dict):
        problems.append(f"{at}: an object")
        return
    # Action: "type REQUIRED create, update, delete", "description REQUIRED".
    if action.get("type") not in ("create", "update", "delete"):
        problems.append(f"{at}.type: create, update or delete")
    if not isinstance(action.get("description"), str) or not action["description"].strip():
        problems.append(f"{at}.description: required")
    # "When the type attribute is create, the resource attribute SHALL contain a new FHIR resource";
    # "For update, this holds the updated resource in its entirety".
    if action.get("type") in ("create", "update"):
        resource = action.get("resource")
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            problems.append(f"{at}.resource: a FHIR resource is required for {action.get('type')}")
        elif action.get("type") == "update" and not resource.get("id"):
            problems.append(f"{at}.resource: an update names the resource it updates (id)")
    # "resourceId ... SHOULD be provided when the type attribute is delete."
    if action.get("type") == "delete" and not isinstance(action.get("resourceId"), str):
        problems.append(f"{at}.resourceId: expected for delete")


def response_problems(body: Any) -> list[str]:
    """Everything in a service response that the specification does not allow."""
    # "cards REQUIRED array of Cards"; "systemActions OPTIONAL array of Actions".
    if not isinstance(body, dict) or not isinstance(body.get("cards"), list):
        return ["response: an object with a cards array"]
    problems: list[str] = []
    for i, card in enumerate(body["cards"]):
        problems.extend(card_problems(card, f"cards[{i}]"))
    if "systemActions" in body and not isinstance(body["systemActions"], list):
        problems.append("systemActions: an array")
    return problems

"""The records a hook call needs: from its prefetch, else from the EHR's FHIR server.

A prefetch key the client left out (or answered with an OperationOutcome) is
fetched from ``fhirServer`` with the token in ``fhirAuthorization``; without
a ``fhirServer`` the call cannot be answered (412). Fetches run concurrently,
each bounded in time and size, never follow a redirect, and follow a
searchset's ``next`` pages only on the same server.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from ._hooks import PREFETCH, HookRequest
from ._settings import Settings, is_loopback

_MAX_PAGES = 10
_MAX_RESPONSE_BYTES = 5_000_000
_MISSING = object()


class Unavailable(Exception):
    """What the service needs could be had neither from the prefetch nor from the FHIR server (412)."""


def _items(value: Any) -> list[Any]:
    """``value`` if it is a JSON array, else nothing (a malformed field holds no entries)."""
    return value if isinstance(value, list) else []


def _is_outcome(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get("resourceType") == "OperationOutcome"


def resources_of(value: Any) -> list[dict[str, Any]]:
    """The resources in a prefetch value: a resource, a searchset Bundle's entries, or none for null."""
    if value is None:
        return []
    if not isinstance(value, Mapping):
        raise ValueError("a prefetch value must be a FHIR resource, a Bundle or null")
    if value.get("resourceType") == "Bundle":
        out = []
        for entry in _items(value.get("entry")):
            resource = entry.get("resource") if isinstance(entry, Mapping) else None
            if isinstance(resource, Mapping) and not _is_outcome(resource):
                out.append(dict(resource))
        return out
    return [dict(value)]


def _next_page(bundle: Mapping[str, Any]) -> str | None:
    if bundle.get("resourceType") != "Bundle":
        return None
    for link in _items(bundle.get("link")):
        if isinstance(link, Mapping) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            return str(link["url"])
    return None


def _mode(entry: Mapping[str, Any]) -> Any:
    search = entry.get("search")
    return search.get("mode") if isinstance(search, Mapping) else None


def _wants_fetch(value: Any) -> bool:
    if value is _MISSING or _is_outcome(value):
        return True
    if isinstance(value, Mapping) and value.get("resourceType") == "Bundle":
        return _next_page(value) is not None or any(
            isinstance(e, Mapping)
            and _is_outcome(e.get("resource"))
            and (e.get("search") or {}).get("mode") != "outcome"
            for e in _items(value.get("entry"))
        )
    return False


def query(template: str, context: Mapping[str, Any]) -> str:
    """A prefetch template with its ``{{context.x}}`` tokens filled in (URL-quoted)."""
    out = template
    for name in ("patientId", "userId", "encounterId"):
        token = "{{context." + name + "}}"
        if token in out:
            value = context.get(name)
            if not isinstance(value, str) or not value:
                raise Unavailable(f"the prefetch template needs context.{name}")
            out = out.replace(token, quote(value, safe="/"))
    return out


def check_server(url: str, settings: Settings) -> str:
    """``fhirServer`` without a trailing slash, if it is a URL the service may call."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
        raise ValueError("fhirServer must be an https URL")
    if parts.scheme == "http" and not (settings.allow_http_fhir or is_loopback(parts.hostname)):
        raise ValueError("fhirServer must be https (CDS Hooks requires TLS for production data)")
    return url.rstrip("/")


async def gather(request: HookRequest, settings: Settings) -> tuple[list[dict[str, Any]], list[str]]:
    """Every resource the check needs (prefetched and fetched), and the keys fetched.

    Raises :class:`Unavailable` when something needed is neither prefetched nor fetchable.
    """
    given = request.prefetch or {}
    resources: list[dict[str, Any]] = []
    wanted: list[str] = []
    for key in PREFETCH:
        value = given.get(key, _MISSING)
        if _wants_fetch(value):
            wanted.append(key)
            if value is not _MISSING and not _is_outcome(value):
                resources.extend(resources_of(value))  # the pages the client sent; the rest are fetched
            continue
        resources.extend(resources_of(value))
    if not wanted:
        return resources, []
    if request.fhirServer is None:
        raise Unavailable(
            f"prefetch {', '.join(wanted)} {'is' if len(wanted) == 1 else 'are'} missing (or incomplete) and the "
            "request gives no fhirServer to fetch from"
        )
    try:
        base = check_server(request.fhirServer, settings)
    except ValueError as exc:
        raise Unavailable(str(exc)) from None
    token = request.fhirAuthorization.access_token if request.fhirAuthorization else None
    fetched = await _fetch_all(base, token, wanted, given, request.context.model_dump(), settings.fetch_timeout)
    for found in fetched:
        resources.extend(found)
    return resources, wanted


async def _fetch_all(
    base: str,
    token: str | None,
    keys: Sequence[str],
    given: Mapping[str, Any],
    context: Mapping[str, Any],
    timeout: float,
) -> list[list[dict[str, Any]]]:
    import httpx

    headers = {"Accept": "application/fhir+json, application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient(headers=headers, timeout=timeout, follow_redirects=False, trust_env=False) as client:
        jobs = []
        for key in keys:
            value = given.get(key, _MISSING)
            start = _next_page(value) if isinstance(value, Mapping) and not _is_outcome(value) else None
            url = start or f"{base}/{query(PREFETCH[key], context)}"
            jobs.append(_fetch_key(client, base, key, url, skip_first=False))
        try:
            return list(await asyncio.wait_for(asyncio.gather(*jobs), timeout=timeout * 2))
        except TimeoutError:
            raise Unavailable("the FHIR server did not answer in time") from None


async def _page(client: Any, key: str, url: str) -> bytearray:
    """One page's bytes, bounded; an answer that is not a 200 (or is too large) is :class:`Unavailable`."""
    import httpx

    try:
        async with client.stream("GET", url) as response:
            if response.status_code == 404 and key == "patient":
                raise Unavailable("prefetch patient: the FHIR server has no such Patient")
            if response.status_code != 200:
                raise Unavailable(f"prefetch {key}: the FHIR server answered HTTP {response.status_code}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body.extend(chunk)
                if len(body) > _MAX_RESPONSE_BYTES:
                    raise Unavailable(f"prefetch {key}: the FHIR server's answer is too large")
    except httpx.TimeoutException:
        raise Unavailable(f"prefetch {key}: the FHIR server did not answer in time") from None
    except httpx.HTTPError:
        raise Unavailable(f"prefetch {key}: the FHIR server could not be reached") from None
    return body


async def _fetch_key(client: Any, base: str, key: str, url: str, *, skip_first: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for _ in range(_MAX_PAGES):
        if not url.startswith(base + "/") and not url.startswith(base + "?"):
            raise Unavailable(f"prefetch {key}: the FHIR server's next page is not on the same server")
        body = await _page(client, key, url)
        try:
            value = json.loads(bytes(body))
        except ValueError:
            raise Unavailable(f"prefetch {key}: the FHIR server's answer is not JSON") from None
        if _is_outcome(value):
            raise Unavailable(f"prefetch {key}: the FHIR server answered with an OperationOutcome")
        try:
            out.extend(resources_of(value))
        except ValueError:
            raise Unavailable(f"prefetch {key}: the FHIR server's answer is not a FHIR resource") from None
        following = _next_page(value) if isinstance(value, Mapping) else None
        if following is None:
            return out
        url = following
    raise Unavailable(f"prefetch {key}: more than {_MAX_PAGES} pages")

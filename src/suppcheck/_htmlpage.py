"""What every HTML page suppcheck writes shares: the page shell, its stylesheet and severity badges.

A page is one self-contained file: inline CSS and SVG, no script, no font,
image or style from any other host, so it opens offline and can be mailed or
archived. Every piece of text from the input goes through :func:`esc`.
Severity is shown by a label and a shape, never by colour alone.
"""

from __future__ import annotations

from html import escape

from ._severity import Severity

__all__ = ["SEVERITY_COLOUR", "badge", "esc", "page", "shape"]


def esc(text: object) -> str:
    """Text for HTML content or a quoted attribute: ``<``, ``>``, ``&`` and both quotes escaped.

    >>> esc('<script>alert("x")</script>')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    """
    return escape(str(text), quote=True)


# Each colour has a contrast of at least 4.5:1 on white and on its own light tint (WCAG AA).
SEVERITY_COLOUR: dict[Severity, str] = {
    Severity.CONTRAINDICATED: "#7a0000",
    Severity.MAJOR: "#a31515",
    Severity.MODERATE: "#7a4f00",
    Severity.MINOR: "#0b4f8a",
    Severity.INFO: "#28602a",
}
_TINT: dict[Severity, str] = {
    Severity.CONTRAINDICATED: "#fbe9e9",
    Severity.MAJOR: "#fdeeee",
    Severity.MODERATE: "#fdf4e3",
    Severity.MINOR: "#eaf2fa",
    Severity.INFO: "#ecf5ec",
}
# A shape per severity, in a 16-unit box: octagon, triangle, diamond, circle, square.
_SHAPES: dict[Severity, str] = {
    Severity.CONTRAINDICATED: '<polygon points="5,1 11,1 15,5 15,11 11,15 5,15 1,11 1,5"/>',
    Severity.MAJOR: '<polygon points="8,1 15,15 1,15"/>',
    Severity.MODERATE: '<polygon points="8,1 15,8 8,15 1,8"/>',
    Severity.MINOR: '<circle cx="8" cy="8" r="7"/>',
    Severity.INFO: '<rect x="2" y="2" width="12" height="12"/>',
}


def shape(severity: Severity, *, x: float | None = None, y: float | None = None, size: float = 16) -> str:
    """The severity's shape as an SVG element: an inline icon, or placed at ``x``, ``y`` inside a drawing."""
    colour = SEVERITY_COLOUR[severity]
    inner = _SHAPES[severity]
    if x is None or y is None:
        return (
            f'<svg class="shape" width="{size:g}" height="{size:g}" viewBox="0 0 16 16" aria-hidden="true" '
            f'focusable="false"><g fill="{colour}">{inner}</g></svg>'
        )
    scale = size / 16
    return (
        f'<g transform="translate({x - size / 2:.1f} {y - size / 2:.1f}) scale({scale:g})" fill="{colour}">{inner}</g>'
    )


def badge(severity: Severity) -> str:
    """A severity label with its shape: ``[triangle] MAJOR``."""
    return (
        f'<span class="badge" style="color:{SEVERITY_COLOUR[severity]};background:{_TINT[severity]}">'
        f"{shape(severity)}<span>{esc(severity.value.upper())}</span></span>"
    )


_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1a1a1a; background: #ffffff; line-height: 1.45; font-size: 16px; overflow-wrap: anywhere; }
header, main, footer { max-width: 60rem; margin: 0 auto; padding: 0 1rem; }
header { padding-top: 1rem; }
h1 { font-size: 1.5rem; margin: 0.5rem 0; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 0.5rem; border-bottom: 1px solid #8c8c8c; padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin: 1rem 0 0.4rem; }
p { margin: 0.4rem 0; }
a { color: #0b4f8a; }
.meta { color: #4a4a4a; font-size: 0.9rem; }
dl.person { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 0.5rem 0; }
dl.person dt { font-weight: 600; }
dl.person dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0; font-size: 0.95rem; }
th, td { text-align: left; vertical-align: top; padding: 0.3rem 0.5rem; border-bottom: 1px solid #c8c8c8; }
th { background: #f0f0f0; }
td.num, th.num { text-align: right; white-space: nowrap; }
.badge { display: inline-flex; align-items: center; gap: 0.3rem; font-weight: 700; font-size: 0.85rem;
  padding: 0.1rem 0.45rem; border-radius: 0.3rem; white-space: nowrap; }
.shape { flex: none; }
ol.findings { list-style: none; padding: 0; margin: 0; }
ol.findings > li { border-left: 4px solid #8c8c8c; padding: 0.4rem 0.7rem; margin: 0.6rem 0; background: #fafafa;
  break-inside: avoid; }
.code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.85rem; }
.recommendation { font-style: italic; }
.refs { font-size: 0.88rem; margin: 0.3rem 0 0 1.1rem; padding: 0; }
figure { margin: 0.5rem 0; }
figure svg.chart { width: 100%; height: auto; display: block; }
figcaption { font-size: 0.88rem; color: #4a4a4a; }
.disclaimer { font-size: 0.85rem; color: #4a4a4a; border-top: 1px solid #8c8c8c; margin-top: 2rem;
  padding: 0.6rem 0 1.5rem; }
.handout { font-size: 1.35rem; }
.handout ol.day { list-style: none; padding: 0; margin: 0; }
.handout ol.day > li { padding: 0.5rem 0; border-bottom: 1px solid #c8c8c8; break-inside: avoid; }
.handout h2 { font-size: 1.6rem; }
.handout .when { font-weight: 700; }
.handout ul.take { margin: 0.2rem 0 0; padding-left: 1.4rem; }
.nowrap { white-space: nowrap; }
.handout .why { display: block; font-size: 1.05rem; color: #3a3a3a; }
.clinician { break-before: page; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }
@media (max-width: 40rem) {
  table { font-size: 0.8rem; }
  th, td { padding: 0.2rem 0.25rem; }
  .nowrap, td.num, th.num { white-space: normal; }
  .badge { white-space: normal; }
}
@page { margin: 14mm; }
@page a4 { size: A4; }
@page letter { size: letter; }
@media print {
  body { font-size: 11pt; }
  header, main, footer { max-width: none; padding: 0; }
  a { color: #1a1a1a; }
  a[href^="http"]::after { content: " <" attr(href) ">"; font-size: 0.8em; overflow-wrap: anywhere; }
  .handout { font-size: 14pt; }
  .handout h2 { font-size: 17pt; margin-top: 0.5rem; }
  .handout ol.day > li { padding: 0.2rem 0; }
  .handout .why { font-size: 10.5pt; }
  h2 { break-after: avoid; }
  figure, table, tr { break-inside: avoid; }
}
"""


def page(title: str, body: str, *, description: str = "") -> str:
    """A complete HTML document with the shared stylesheet; ``title`` is escaped, ``body`` is markup."""
    meta = f'<meta name="description" content="{esc(description)}">\n' if description else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        # Nothing on the page may load anything, even text that slipped through unescaped.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        f"{meta}<title>{esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )

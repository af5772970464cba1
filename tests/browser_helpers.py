"""Checks a real browser runs on a rendered report; each returns a list of findings.

An empty list means the page passed. Returning findings (rather than asserting) lets the
tests show that every check fails on a deliberately broken copy of a report.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wbreport.pdf import LOCAL_SCHEMES, block_network, count_pages

VIEWPORT = {"width": 1280, "height": 800}
FOLD = 800
#: A4 minus the 14 mm side margins of ``@page`` in report.css, in CSS pixels (96 per inch).
A4_CONTENT_WIDTH = round((210 - 2 * 14) / 25.4 * 96)


@dataclass
class PageRecord:
    """What a page did while it was open: requests, console errors, uncaught exceptions."""

    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)


def offline_context(browser: Any, **options: Any) -> tuple[Any, PageRecord]:
    """A browser context whose network is cut off: only file: and data: URLs load."""
    record = PageRecord()
    context = browser.new_context(viewport=VIEWPORT, **options)
    block_network(context, record.blocked)
    return context, record


def open_page(context: Any, record: PageRecord, path: Path) -> Any:
    """Open ``path`` from file:// in a new page of ``context``, recording what it does."""
    page = context.new_page()
    page.on("request", lambda r: record.requests.append(r.url))
    page.on("websocket", lambda w: record.websockets.append(w.url))
    page.on(
        "console",
        lambda m: (
            record.console.append(f"console.{m.type}: {m.text}")
            if m.type in ("error", "assert")
            else None
        ),
    )
    page.on("pageerror", lambda e: record.console.append(f"uncaught: {e}"))
    page.on(
        "requestfailed",
        lambda r: (
            record.console.append(f"failed to load {r.url}") if r.url.startswith("file:") else None
        ),
    )
    page.goto(path.resolve().as_uri(), wait_until="load")
    return page


# --- network -------------------------------------------------------------------------------

_EXTERNAL_ATTR = re.compile(
    r"<(?!a[\s>])[a-z][a-z0-9-]*\b[^>]*?\s(?:src|href|srcset|poster|data|action|xlink:href)\s*=\s*"
    r"[\"']?\s*(?:https?:|wss?:|ftp:)?//",
    re.IGNORECASE,
)
_EXTERNAL_CSS = re.compile(r"url\(\s*[\"']?\s*(?:https?:)?//|@import", re.IGNORECASE)


def network_findings(record: PageRecord) -> list[str]:
    """Every request or websocket that tried to leave the machine."""
    leaving = [u for u in record.requests if not u.startswith(LOCAL_SCHEMES)]
    found = [f"request to {u}" for u in leaving]
    found += [f"request to {u} (blocked)" for u in record.blocked if u not in leaving]
    found += [f"websocket to {u}" for u in record.websockets]
    return found


def static_reference_findings(html: str) -> list[str]:
    """External resources named in the HTML source (also those a browser loads lazily)."""
    found = [f"external resource: {m.group(0)[:100]}" for m in _EXTERNAL_ATTR.finditer(html)]
    found += [f"external CSS reference: {m.group(0)}" for m in _EXTERNAL_CSS.finditer(html)]
    return found


def console_findings(record: PageRecord) -> list[str]:
    return list(record.console)


# --- script injection ----------------------------------------------------------------------

_CANARY_JS = """() => {
  const found = [];
  if (typeof window.__pwned !== 'undefined')
    found.push('window.__pwned = ' + String(window.__pwned));
  for (const s of document.querySelectorAll('script'))
    found.push('script element: ' + s.outerHTML.slice(0, 80));
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (/^on/i.test(a.name)) found.push(`<${el.localName}> has event handler ${a.name}`);
      const image = el.localName === 'img' && a.name === 'src'
        && /^data:image\\/(svg\\+xml|png|jpeg);base64,/.test(a.value);
      if (/^\\s*(javascript|vbscript|data):/i.test(a.value) && !image)
        found.push(`<${el.localName} ${a.name}="${a.value.slice(0, 40)}">`);
    }
  }
  const unexpected = 'iframe, frame, object, embed, base, form, meta[http-equiv]';
  for (const el of document.querySelectorAll(unexpected))
    found.push(`unexpected <${el.localName}>`);
  return found;
}"""


def canary_findings(page: Any) -> list[str]:
    """Script that ran or could run: the ``window.__pwned`` canary, script elements, handlers."""
    return page.evaluate(_CANARY_JS)


def shown_as_text_findings(page: Any, needles: list[str]) -> list[str]:
    """Hostile strings that should be visible literally (escaped data text)."""
    text = page.evaluate("() => document.body.innerText")
    return [f"not shown as text: {n!r}" for n in needles if n not in text]


# --- accessibility ---------------------------------------------------------------------------

_A11Y_JS = """() => {
  const found = [];
  if (!document.documentElement.lang) found.push('<html> has no lang');
  if (!document.title.trim()) found.push('empty <title>');
  for (const img of document.querySelectorAll('img')) {
    if (!(img.getAttribute('alt') || '').trim())
      found.push('image without alt text: ' + img.src.slice(0, 40));
  }
  let last = 0, h1 = 0;
  for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    const level = Number(h.tagName[1]);
    if (level === 1) h1 += 1;
    if (last === 0 && level !== 1) found.push(`first heading is ${h.tagName}, not H1`);
    if (last && level > last + 1)
      found.push(`heading skipped: H${last} then ${h.tagName} "${h.innerText.slice(0, 40)}"`);
    last = level;
  }
  if (h1 !== 1) found.push(`${h1} H1 headings (expected exactly one)`);
  for (const t of document.querySelectorAll('table')) {
    const name = (t.caption ? t.caption.innerText : t.innerText).slice(0, 40);
    if (!t.querySelector('thead th')) found.push(`table without header cells: "${name}"`);
    if (!t.caption) found.push(`table without caption: "${name}"`);
  }
  for (const r of document.querySelectorAll('.rag')) {
    if (!r.innerText.trim()) found.push('RAG status shown by colour only: ' + r.className);
  }
  return found;
}"""


def accessibility_findings(page: Any) -> list[str]:
    """Alt text, heading order, table headers and captions, RAG as text, page language."""
    return page.evaluate(_A11Y_JS)


def image_findings(page: Any, minimum: int = 0) -> list[str]:
    """Images that did not decode (e.g. an SVG broken by unescaped text), or too few images."""
    images = page.eval_on_selector_all(
        "img", "els => els.map(e => [e.complete && e.naturalWidth > 0, e.alt.slice(0, 50)])"
    )
    found = [f"image not displayed: {alt!r}" for ok, alt in images if not ok]
    if len(images) < minimum:
        found.append(f"{len(images)} images, expected at least {minimum}")
    return found


# --- layout, screenshot, print ---------------------------------------------------------------

_VISIBLE_JS = """([needle, fold]) => {
  const hits = [...document.body.querySelectorAll('*')].filter(
    e => e.textContent.includes(needle)
      && ![...e.children].some(c => c.textContent.includes(needle)));
  for (const e of hits) {
    const r = e.getBoundingClientRect();
    const s = getComputedStyle(e);
    if (r.width > 0 && r.height > 0 && r.top < fold && r.bottom > 0 && s.visibility !== 'hidden'
        && Number(s.opacity) > 0 && e.checkVisibility()) return [true, r.top];
  }
  return [false, hits.length];
}"""


def above_the_fold_findings(page: Any, needles: list[str], fold: int = FOLD) -> list[str]:
    """Each needle must be in a visible element whose top is above the fold at scroll 0."""
    page.evaluate("() => window.scrollTo(0, 0)")
    found = []
    for needle in needles:
        visible, detail = page.evaluate(_VISIBLE_JS, [needle, fold])
        if not visible:
            found.append(f"{needle!r} not visible above the fold ({detail} matching elements)")
    return found


def h1_findings(page: Any, expected: str) -> list[str]:
    h1 = page.locator("h1")
    if h1.count() != 1:
        return [f"{h1.count()} h1 elements"]
    text = " ".join(h1.inner_text().split())
    return [] if text == expected else [f"h1 is {text!r}, expected {expected!r}"]


def screenshot_findings(png: bytes, min_colours: int = 24, min_ink: float = 0.02) -> list[str]:
    """A screenshot that is blank or nearly so: too few colours or too little non-white."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 16)
    count = len(colours) if colours is not None else 1 << 16
    found = []
    if count < min_colours:
        found.append(f"screenshot has {count} colours (expected ≥ {min_colours}): blank?")
    grey = image.convert("L").point(lambda v: 255 if v < 245 else 0)
    histogram = grey.histogram()
    ink = histogram[255] / (image.width * image.height)
    if ink < min_ink:
        found.append(f"only {ink:.1%} of the screenshot is not white")
    return found


_PRINT_CSS_JS = """() => {
  const found = [];
  const check = (selector, property, wanted) => {
    const el = document.querySelector(selector);
    if (el && !wanted.includes(getComputedStyle(el)[property]))
      found.push(`${selector} has ${property}: ${getComputedStyle(el)[property]} in print`);
  };
  check('tbody tr', 'breakInside', ['avoid', 'avoid-page']);
  check('figure', 'breakInside', ['avoid', 'avoid-page']);
  check('h2', 'breakAfter', ['avoid', 'avoid-page']);
  check('h3', 'breakAfter', ['avoid', 'avoid-page']);
  check('thead', 'display', ['table-header-group']);
  const width = document.documentElement.clientWidth;
  const scroll = document.documentElement.scrollWidth;
  if (scroll > width + 1) found.push(`content is ${scroll}px wide, the printed page ${width}px`);
  for (const t of document.querySelectorAll('table, figure, img')) {
    const r = t.getBoundingClientRect();
    if (r.right > width + 1)
      found.push(`<${t.localName}> overflows the printed page by ${Math.round(r.right - width)}px`);
  }
  return found;
}"""


def print_layout_findings(page: Any) -> list[str]:
    """Print media at the A4 text width: rows and figures unbroken, headings kept, no overflow."""
    size = page.viewport_size
    page.set_viewport_size({"width": A4_CONTENT_WIDTH, "height": 1000})
    page.emulate_media(media="print")
    try:
        return page.evaluate(_PRINT_CSS_JS)
    finally:
        page.emulate_media(media="screen")
        page.set_viewport_size(size)


def pdf_findings(pdf: bytes, budget: int) -> list[str]:
    if not pdf.startswith(b"%PDF-"):
        return ["not a PDF"]
    pages = count_pages(pdf)
    if pages < 1:
        return ["PDF has no pages"]
    return [] if pages <= budget else [f"{pages} pages, budget {budget}"]


# --- content without JavaScript ------------------------------------------------------------------


def read_indicators(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def key_figure_findings(
    page: Any, rows: list[dict[str, str]], partner: str, names: Any = None
) -> list[str]:
    """The key-figures table shows every indicator of ``partner`` among ``names`` (default:
    the programming report's key figures; the evaluation report passes the evaluation
    indicators) with its indicators.csv value."""
    from wbreport.registry import PROGRAMMING_NAMES

    names = PROGRAMMING_NAMES if names is None else names
    expected = {
        r["indicator"]: r["value"]
        for r in rows
        if r["partner"] == partner and r["indicator"] in names
    }
    table = page.locator("table.key-figures")
    if table.count() != 1 or not table.is_visible():
        return ["no visible key-figures table"]
    cells = table.locator("td[data-indicator][data-value]")
    shown = {}
    for i in range(cells.count()):
        cell = cells.nth(i)
        shown[cell.get_attribute("data-indicator")] = (
            cell.get_attribute("data-value"),
            cell.inner_text().strip(),
        )
    found = []
    for name, value in expected.items():
        if name not in shown:
            found.append(f"key figure {name} missing")
            continue
        attr, text = shown[name]
        if attr != value:
            found.append(f"key figure {name}: page {attr!r}, indicators.csv {value!r}")
        if not text:
            found.append(f"key figure {name} has no visible text")
    found += [f"key figure {n} not in indicators.csv" for n in shown if n not in expected]
    return found


_PARTNER_CELLS_JS = """rows => rows.flatMap(r => {
  const cells = r.matches('td') ? [r] : [...r.querySelectorAll('td[data-indicator]')];
  return cells.map(
    c => [r.dataset.partner, c.dataset.indicator, c.dataset.value, c.innerText.trim()]);
})"""


def partner_cell_findings(page: Any, rows: list[dict[str, str]], scope: str = "body") -> list[str]:
    """Every ``td[data-partner][data-indicator]`` (comparison, index) matches indicators.csv."""
    expected = {(r["partner"], r["indicator"]): r["value"] for r in rows}
    cells = page.eval_on_selector_all(f"{scope} [data-partner]", _PARTNER_CELLS_JS)
    found = []
    for partner, indicator, value, text in cells:
        if indicator is None:
            continue
        if (partner, indicator) not in expected:
            found.append(f"{partner}/{indicator} not in indicators.csv")
        elif value != expected[(partner, indicator)]:
            found.append(
                f"{partner}/{indicator}: page {value!r}, indicators.csv "
                f"{expected[(partner, indicator)]!r}"
            )
        elif not text:
            found.append(f"{partner}/{indicator} has no visible text")
    return found


def visible_text(page: Any) -> str:
    return page.evaluate("() => document.body.innerText")


@dataclass
class Inspection:
    """Findings of one page opened offline with JavaScript on, printed to PDF at the end."""

    network: list[str]
    static: list[str]
    console: list[str]
    canary: list[str]
    accessibility: list[str]
    images: list[str]
    title: list[str]
    fold: list[str]
    screenshot: list[str]
    print_layout: list[str]
    pdf: list[str]
    pages: int
    text: str


def inspect(
    browser: Any,
    path: Path,
    title: str,
    needles: list[str],
    min_images: int = 0,
    page_budget: int = 1,
) -> Inspection:
    """Run every check on ``path`` in a fresh offline context (JavaScript on, 1280×800)."""
    context, record = offline_context(browser)
    try:
        page = open_page(context, record, path)
        canary = canary_findings(page)
        title_found = h1_findings(page, title)
        fold = above_the_fold_findings(page, needles)
        screenshot = screenshot_findings(page.screenshot())
        accessibility = accessibility_findings(page)
        images = image_findings(page, min_images)
        text = visible_text(page)
        layout = print_layout_findings(page)
        pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
        page.close()
    finally:
        context.close()
    return Inspection(
        network=network_findings(record),
        static=static_reference_findings(path.read_text("utf-8")),
        console=console_findings(record),
        canary=canary,
        accessibility=accessibility,
        images=images,
        title=title_found,
        fold=fold,
        screenshot=screenshot,
        print_layout=layout,
        pdf=pdf_findings(pdf, page_budget),
        pages=count_pages(pdf),
        text=text,
    )


PHONE = {"width": 390, "height": 844}
_NARROW_JS = """() => {
  const found = [];
  const width = document.documentElement.clientWidth;
  const scroll = document.documentElement.scrollWidth;
  if (scroll > width + 1) found.push(`the page pans sideways: ${scroll}px on ${width}px`);
  for (const t of document.querySelectorAll('table')) {
    const box = t.closest('.table-scroll');
    if (!box) { found.push('a table outside a scroll box'); continue; }
    if (box.getBoundingClientRect().right > width + 1) found.push('a box wider than the screen');
    const wide = t.getBoundingClientRect().width > box.clientWidth + 1;
    if (wide && !(box.getAttribute('role') === 'region' && box.getAttribute('aria-label')
                  && box.tabIndex === 0))
      found.push(`a wide table in a box the keyboard cannot scroll: ${box.outerHTML.slice(0, 80)}`);
  }
  return found;
}"""


_ROW_LABELS_JS = """(minimum) => {
  const found = [];
  for (const th of document.querySelectorAll('table.activities tbody th[scope=row]')) {
    const em = th.getBoundingClientRect().width / parseFloat(getComputedStyle(th).fontSize);
    if (em < minimum - 0.05)
      found.push(`activity "${th.textContent.trim().slice(0, 40)}" is ${em.toFixed(1)} em wide`);
  }
  for (const th of document.querySelectorAll('table.trend tbody th')) {
    const range = document.createRange();
    range.selectNodeContents(th);
    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    if (lines.size > 1) found.push(`period "${th.textContent}" wraps over ${lines.size} lines`);
  }
  return found;
}"""


def row_label_findings(
    browser: Any, path: Path, minimum_em: float = 10, media: str = "screen"
) -> list[str]:
    """On a desktop screen the activities' titles (row headers of ``table.activities``)
    keep at least ``minimum_em`` of width, however long the column headers beside them, and
    the periods of a trend table stay on one line."""
    context, _ = offline_context(browser, java_script_enabled=True)
    try:
        page = context.new_page()
        page.emulate_media(media=media)
        if media == "print":  # the width of A4 between report.css's page margins
            page.set_viewport_size({"width": A4_CONTENT_WIDTH, "height": 1000})
        page.goto(path.resolve().as_uri(), wait_until="load")
        return page.evaluate(_ROW_LABELS_JS, minimum_em)
    finally:
        context.close()


def narrow_screen_findings(browser: Any, path: Path) -> list[str]:
    """On a phone's width the page itself never scrolls sideways: a wide table scrolls in
    its own box, a labelled region that takes the keyboard focus."""
    context, _ = offline_context(browser, java_script_enabled=True)
    try:
        context.set_default_timeout(60_000)
        page = context.new_page()
        page.set_viewport_size(PHONE)
        page.goto(path.resolve().as_uri(), wait_until="load")
        return page.evaluate(_NARROW_JS)
    finally:
        context.close()

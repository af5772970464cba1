"""Small, escaped HTML fragments for report sections, and the sanitiser for untrusted HTML.

Every piece of data text goes through :func:`markupsafe.escape`; narrative markdown is
rendered with raw HTML disabled and then cleaned with nh3 (an allow-list sanitiser), so
neither data nor narrative can inject script, event handlers or ``javascript:`` links.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "i",
    "li",
    "nav",
    "ol",
    "p",
    "pre",
    "s",
    "section",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title", "role", "aria-label", "aria-hidden", "aria-current", "lang"},
    "a": {"href", "hreflang"},
    "td": {"colspan", "rowspan", "data-indicator", "data-value", "data-partner"},
    "th": {"colspan", "rowspan", "scope"},
    "tr": {"data-partner", "data-indicator"},
    "table": {"data-section"},
    "dl": {"data-section"},
    "dd": {"data-indicator", "data-value"},
    "div": {"data-section", "tabindex"},
    "section": {"data-section"},
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


_BEFORE_YEAR = re.compile(r" (?=\d{4})")


class DateText(str):
    """A date as the page's language writes it ("Oct 11, 2021", "5. 10. 2021."). In a table
    cell its line may break before the year only: "Oct / 11, / 2021" took three lines in a
    narrow column, and keeping the whole date on one line squeezed the titles beside it."""

    def in_cell(self) -> str:
        year = _BEFORE_YEAR.search(self)
        keep = year.start() if year else -1
        return "".join("\u00a0" if ch == " " and at != keep else ch for at, ch in enumerate(self))


# CommonMark with the two extensions analysts write out of habit (GitHub's pipe tables and
# ~~strikethrough~~), which plain CommonMark showed as raw text.
_MARKDOWN = MarkdownIt(
    "commonmark", {"html": False, "linkify": False, "typographer": False}
).enable(["table", "strikethrough"])
_RIGHT = "text-align:right"


def sanitize(html: str) -> str:
    """Clean untrusted HTML with an allow-list: no script, handlers or unsafe URLs."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        strip_comments=True,
        link_rel="noopener noreferrer",
    )


def markdown(text: str, heading_shift: int = 2) -> Markup:
    """Render analyst markdown (raw HTML shown as text) and sanitise the result.

    Narrative sits under a report section's ``h2``: its headings are shifted down by
    ``heading_shift`` (``#`` becomes ``h3``), so the report keeps one ``h1`` and no level
    is skipped. An image is shown as its alt text: a report loads nothing from outside and
    has no pictures of the analyst's, and the sanitiser would drop the whole image, words
    and all.
    """
    tokens = _MARKDOWN.parse(text or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + heading_shift, 6)}"
        elif token.type in ("th_open", "td_open"):
            # the sanitiser drops style: a right-aligned column takes the figures' class
            token.attrs = {"class": "num"} if token.attrGet("style") == _RIGHT else {}
        for child in token.children or []:
            if child.type == "image":
                alt = _MARKDOWN.renderer.renderInlineAsText(child.children or [], {}, {})
                child.type, child.tag, child.attrs = "text", "", {}
                child.content, child.children = alt, None
    return Markup(sanitize(_MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {})))


class Fragment:
    """An HTML fragment that notebooks display and exports embed (``_repr_html_``)."""

    def __init__(self, html: str | Markup) -> None:
        self.html = Markup(html)

    def _repr_html_(self) -> str:
        return str(self.html)

    def __html__(self) -> str:
        return str(self.html)

    def __str__(self) -> str:
        return str(self.html)


def join(parts: Iterable[Any]) -> Markup:
    """Concatenate ``parts``, escaping those that are not already HTML."""
    return Markup("").join(p if isinstance(p, Markup | Fragment) else escape(p) for p in parts)


#: Characters no page shows: C0 controls but tab and line breaks (a title holding ESC or BEL
#: from a terminal's colour codes), DEL, and halves of surrogate pairs.
UNSHOWABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def shown_text(value: Any) -> Markup:
    """``value`` escaped for HTML, without the characters no page can show."""
    if isinstance(value, Markup):
        return value
    return escape(UNSHOWABLE.sub("", value) if isinstance(value, str) else value)


def tag(name: str, content: Any = "", **attrs: Any) -> Markup:
    """``<name attrs>content</name>`` with escaped attributes and content."""
    rendered = "".join(
        f' {k.rstrip("_").replace("_", "-")}="{shown_text(v)}"'
        for k, v in attrs.items()
        if v is not None
    )
    body = shown_text(content)
    return Markup(f"<{name}{rendered}>{body}</{name}>")


def fmt_int(value: float) -> str:
    """An English integer with thousands separators (the index page); ``–`` when NA."""
    return "–" if value is None or math.isnan(value) else f"{round(value):,}"


def fmt_pct(value: float) -> str:
    """An English percentage with one decimal; ``n/a`` when NA."""
    return "n/a" if value is None or math.isnan(value) else f"{value * 100:.1f}%"


def fmt_number(value: float, ratio: bool) -> str:
    """:func:`fmt_pct` for ratios, :func:`fmt_int` otherwise."""
    return fmt_pct(value) if ratio else fmt_int(value)


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    caption: str | None = None,
    numeric: Sequence[int] = (),
    empty: str = "None in this period.",
    row_header: bool = True,
    **attrs: Any,
) -> Markup:
    """An accessible table: caption, ``th scope=col`` headers, first cell as row header."""
    head = tag(
        "thead",
        tag(
            "tr",
            join(
                tag("th", h, scope="col", class_="num" if i in numeric else None)
                for i, h in enumerate(headers)
            ),
        ),
    )
    body_rows = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            if isinstance(cell, DateText):
                cell = cell.in_cell()
            cls = (
                "num"
                if i in numeric
                else ("date" if isinstance(cell, str) and _DATE.fullmatch(cell) else None)
            )
            if i == 0 and row_header:
                cells.append(tag("th", cell, scope="row", class_=cls))
            else:
                cells.append(
                    cell
                    if isinstance(cell, Markup) and str(cell).startswith("<td")
                    else tag("td", cell, class_=cls)
                )
        body_rows.append(tag("tr", join(cells)))
    if not body_rows:
        return tag("p", empty, class_="empty")
    cap = tag("caption", caption) if caption else Markup("")
    grid = tag("table", cap + head + tag("tbody", join(body_rows)), **attrs)
    return scrolling(grid, caption, keep=len(body_rows) <= KEEP_ROWS)


#: Tables of at most this many rows print on one page with their heading (report.css's
#: ``.keep``) instead of being split after a row or two; longer ones break between rows.
KEEP_ROWS = 15


def scrolling(grid: Markup, label: str | None, keep: bool = False) -> Markup:
    """A table in a box of its own that scrolls sideways on a narrow screen, so that the page
    itself never does; with a caption it is a labelled region keyboard users can scroll.
    ``keep``: printed whole on one page."""
    text = label.striptags() if isinstance(label, Markup) else label
    box = "table-scroll keep" if keep else "table-scroll"
    if not text:
        return tag("div", grid, class_=box)
    return tag("div", grid, class_=box, role="region", aria_label=text, tabindex="0")


def rag_badge(rag: str) -> Markup:
    """RAG status as a text label (never colour alone)."""
    if not rag:
        return tag("span", "no status", class_="rag rag-none")
    label = {"green": "On track", "amber": "Watch", "red": "Off track"}[rag]
    return tag("span", f"{label} ({rag.upper()})", class_=f"rag rag-{rag}")

"""Catalogue upkeep: extract fixed texts, merge them into every language, compile, check.

``python -m wbreport.i18n_tools extract|update|compile|check|all`` (see ``docs/translations.md``):

- ``extract`` scans ``wbreport/**/*.py``, the Jinja templates and the code cells of
  ``notebooks/*.ipynb`` for ``gettext``/``ngettext``/``pgettext``/``npgettext``/``_``/``N_``
  and the translator's calls ``tr("...")``/``t("...")``/``ctx.text("...")``, writing
  ``wbreport/locale/wbreport.pot``;
- ``update`` merges the template into each ``<tag>/LC_MESSAGES/wbreport.po`` (new strings
  arrive untranslated, removed ones are dropped); English copies the msgid and Serbian
  Cyrillic is transliterated from Serbian Latin except entries a reviewer marked
  ``# reviewed``;
- ``compile`` writes the ``.mo`` files the reports load;
- ``check`` lists untranslated, fuzzy and stale entries and placeholder mismatches
  (exit status 1 when there are any).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from wbreport.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, SOURCE_LANGUAGE

PACKAGE = Path(__file__).parent
ROOT = PACKAGE.parent
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"

KEYWORDS: dict[str, object] = {
    "_": None,
    "N_": None,
    "gettext": None,
    "tr": None,
    "_i": (2,),  # registry.py: _i(name, label, ...)
    "ngettext": (1, 2),
    "ngettext_decimal": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}
#: Report code wraps the translator (``t = wording.Text(tr)``; ``t("Key figures")``,
#: ``ctx.text("...")``): these short names are keywords only in files that use the wrapper,
#: so that ``t(...)``/``.text(...)`` calls elsewhere are not taken for fixed texts.
WRAPPER_KEYWORDS: dict[str, object] = {"t": None, "text": None, "plural": (1, 2)}
WRAPPER_MARKERS = (b"wbreport.wording", b"from wbreport import wording", b"Text(", b"ctx.text")
COMMENT_TAGS = ["TRANSLATORS:"]
SKIP = {"i18n_tools.py"}

#: Header status of each catalogue: honest about who wrote it and whether it was reviewed.
STATUS = {
    SOURCE_LANGUAGE: "source language: msgstr equals msgid (edit to change the English wording)",
}
DEFAULT_STATUS = (
    "machine-assisted draft written by the wbreport team (not a native speaker); "
    "awaiting review by a native speaker"
)
SR_CYRL_STATUS = (
    "transliterated from sr-Latn by wbreport.i18n_tools.to_cyrillic (entries marked "
    "'reviewed' are kept); machine-assisted draft awaiting review by a native speaker"
)


def sources(root: Path = ROOT) -> Iterator[tuple[str, Path]]:
    """(method, path) of every file the extractor reads, in a stable order."""
    package = root / "wbreport"
    for path in sorted(package.rglob("*.py")):
        inside = set(path.relative_to(package).parts)  # not the checkout's own folders
        if path.name not in SKIP and not {"locale", "sample_data"} & inside:
            yield "python", path
    for path in sorted((package / "templates").rglob("*")):
        if path.is_file() and path.suffix in {".j2", ".html", ".tpl"}:
            yield "jinja2", path
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        yield "notebook", path


def _notebook_code(path: Path) -> bytes:
    """The code cells of a notebook as one Python source (magics and shell lines blanked)."""
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    lines: list[str] = []
    for cell in cells:
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        if cell.get("cell_type") == "code":
            for line in text.splitlines():
                lines.append("" if line.lstrip().startswith(("%", "!")) else line)
        lines.append("")
    return "\n".join(lines).encode("utf-8")


def _extract_file(method: str, path: Path) -> Iterator[tuple[int, object, list[str], str]]:
    options: dict[str, object] = {}
    keywords = dict(KEYWORDS)
    if method == "python" and any(m in path.read_bytes() for m in WRAPPER_MARKERS):
        keywords |= WRAPPER_KEYWORDS
    if method == "notebook":
        fileobj = io.BytesIO(_notebook_code(path))
        method = "python"
    else:
        fileobj = io.BytesIO(path.read_bytes())
    if method == "jinja2":
        method = "jinja2.ext:babel_extract"
        options = {"trimmed": "true", "extensions": "jinja2.ext.do,jinja2.ext.loopcontrols"}
    for lineno, message, comments, context in extract(
        method,
        fileobj,
        keywords=keywords,  # type: ignore[arg-type]
        comment_tags=COMMENT_TAGS,
        options=options,
        strip_comment_tags=True,
    ):
        yield lineno, message, comments, context or ""


def extract_catalog(root: Path = ROOT) -> Catalog:
    """A template catalogue of every marked text under ``root`` (locations without lines)."""
    catalog = Catalog(project="wbreport", domain=DOMAIN, charset="utf-8", fuzzy=False)
    for method, path in sources(root):
        rel = path.relative_to(root).as_posix()
        for _lineno, message, comments, context in _extract_file(method, path):
            msgid: object = message
            if isinstance(message, tuple):
                if any(m is None or m == "" for m in message):
                    continue
                msgid = message
            elif not message:
                continue
            catalog.add(
                msgid,  # type: ignore[arg-type]
                None,
                [(rel, None)],  # type: ignore[list-item]
                auto_comments=comments,
                context=context or None,
            )
    return catalog


def message_keys(catalog: Catalog) -> set[tuple[str, str]]:
    """(context, msgid) of every entry (the plural's singular stands for it)."""
    keys = set()
    for m in catalog:
        if not m.id:
            continue
        ident = m.id[0] if isinstance(m.id, tuple | list) else m.id
        keys.add((m.context or "", ident))
    return keys


def _write(catalog: Catalog, path: Path, template: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(
        buffer,
        catalog,
        width=100,
        include_lineno=False,
        ignore_obsolete=True,
        omit_header=False,
        sort_output=False,
    )
    text = buffer.getvalue().decode("utf-8")
    # Stable files: no creation/revision dates (they would change on every run).
    text = re.sub(r'"(POT-Creation-Date|PO-Revision-Date): [^"]*\\n"\n', "", text)
    path.write_text(text, encoding="utf-8")


def write_template(catalog: Catalog, path: Path = TEMPLATE) -> None:
    """Write the extracted ``catalog`` as the template ``wbreport.pot``."""
    catalog.header_comment = (
        "# Fixed texts of wbreport's reports, index and portal.\n"
        "# Generated by `python -m wbreport.i18n_tools extract`; do not edit by hand."
    )
    _write(catalog, path, template=True)


# -- Serbian Latin -> Cyrillic ----------------------------------------------------------------

_DIGRAPHS = {"Lj": "Љ", "LJ": "Љ", "lj": "љ", "Nj": "Њ", "NJ": "Њ", "nj": "њ", "Dž": "Џ",
             "DŽ": "Џ", "dž": "џ"}  # fmt: skip
_LETTERS = dict(
    zip(
        "ABVGDĐEŽZIJKLMNOPRSTĆUFHCČŠabvgdđežzijklmnoprstćufhcčš",
        "АБВГДЂЕЖЗИЈКЛМНОПРСТЋУФХЦЧШабвгдђежзијклмнопрстћуфхцчш",
        strict=True,
    )
)
#: Kept in Latin script when transliterating: placeholders, markup, entities, URLs and
#: Latin-script acronyms and codes that stay as written (ISO codes, file names, the tool's
#: name, the statistical symbol n).
_KEEP = re.compile(
    r"\{[^{}]*\}|%\([^)]*\)[sd]|%[sd]|<[^>]*>|&[a-z#0-9]+;|https?://\S+|"
    r"\b(?:UNSCR|ICJ|EUAA|EU|RAG|CSV|PDF|HTML|ID|WB|AL|BA|XK|ME|MK|RS|wbreport|sha256|"
    r"sq|bs|hr|sr|mk|cnr|en|Latn|Cyrl|n)\b|\b[\w.-]+\.(?:csv|html|json|yaml|ipynb)\b"
)


def to_cyrillic(text: str) -> str:
    """Serbian Latin → Serbian Cyrillic (one letter per letter, lj/nj/dž as one), leaving
    placeholders, markup and the acronyms of ``_KEEP`` as they are."""
    out: list[str] = []
    pos = 0
    for match in _KEEP.finditer(text):
        out.append(_translit(text[pos : match.start()]))
        out.append(match.group(0))
        pos = match.end()
    out.append(_translit(text[pos:]))
    return "".join(out)


def _translit(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        pair = text[i : i + 2]
        if pair in _DIGRAPHS:
            out.append(_DIGRAPHS[pair])
            i += 2
            continue
        out.append(_LETTERS.get(text[i], text[i]))
        i += 1
    return "".join(out)


# -- update / compile / check -----------------------------------------------------------------


def _load(path: Path, tag: str) -> Catalog:
    with path.open("rb") as fp:
        return read_po(fp, locale=_babel_locale(tag), domain=DOMAIN)


def _babel_locale(tag: str) -> str:
    return LANGUAGES[tag].cldr


def _new_catalog(tag: str) -> Catalog:
    return Catalog(locale=_babel_locale(tag), domain=DOMAIN, project="wbreport", fuzzy=False)


def _header(tag: str) -> str:
    lang = LANGUAGES[tag]
    status = STATUS.get(tag, SR_CYRL_STATUS if tag == "sr-Cyrl" else DEFAULT_STATUS)
    return (
        f"# {lang.english} ({lang.name}) translations of wbreport's reports, index and portal.\n"
        f"# Language tag: {tag}; CLDR locale for formatting and plural rules: {lang.cldr}.\n"
        f"# Status: {status}.\n"
        "# Review and correct as described in docs/translations.md."
    )


def _is_reviewed(message: Message) -> bool:
    return any(c.strip().lower().startswith("reviewed") for c in message.user_comments)


def _fill(message: Message, source: Message | None, convert: object) -> None:
    if source is None or not source.string:
        return
    if isinstance(source.string, tuple | list):
        message.string = tuple(convert(s) for s in source.string)  # type: ignore[operator]
    else:
        message.string = convert(source.string)  # type: ignore[operator]


def update(tags: Iterable[str] | None = None) -> None:
    """Merge the template into every catalogue (see the module docstring)."""
    for tag in tags or LANGUAGES:
        path = LANGUAGES[tag].catalogue
        catalog = _load(path, tag) if path.is_file() else _new_catalog(tag)
        # A fresh template each time: Catalog.update shares its Message objects.
        with TEMPLATE.open("rb") as fp:
            fresh = read_po(fp)
        catalog.update(fresh, no_fuzzy_matching=True, update_header_comment=False)
        catalog.obsolete.clear()
        if tag == SOURCE_LANGUAGE:
            for m in catalog:
                if isinstance(m.id, tuple | list) and not any(m.string):
                    m.string = tuple(m.id)  # singular and plural as written
                elif m.id and not m.string:
                    m.string = m.id
        if tag == "sr-Cyrl":
            latin = _load(LANGUAGES["sr-Latn"].catalogue, "sr-Latn")
            for m in catalog:
                if m.id and not _is_reviewed(m):
                    _fill(m, latin.get(m.id, context=m.context), to_cyrillic)
        catalog.header_comment = _header(tag)
        catalog.language_team = f"{LANGUAGES[tag].english} <none yet: see docs/translations.md>"
        catalog.last_translator = "wbreport team (machine-assisted draft)"
        _write(catalog, path)
        if tag == "cnr":  # Babel knows no cnr locale: say which language this really is
            text = path.read_text(encoding="utf-8")
            text = re.sub(r'"Language: [^"]*\\n"', '"Language: cnr\\\\n"', text, count=1)
            path.write_text(text, encoding="utf-8")


def compile_all(tags: Iterable[str] | None = None) -> None:
    """Write the ``.mo`` of every catalogue (fuzzy entries are left out)."""
    for tag in tags or LANGUAGES:
        lang = LANGUAGES[tag]
        catalog = _load(lang.catalogue, tag)
        with lang.compiled.open("wb") as fp:
            write_mo(fp, catalog, use_fuzzy=False)


_PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([^)]*\)[sd]")


def _message_problems(tag: str, catalog: Catalog) -> list[str]:
    """Fuzzy, untranslated and placeholder problems of one catalogue's messages."""
    found: list[str] = []
    for m in catalog:
        if not m.id:
            continue
        ident = m.id[0] if isinstance(m.id, tuple | list) else m.id
        strings = m.string if isinstance(m.string, tuple | list) else (m.string,)
        if m.fuzzy:
            found.append(f"{tag}: fuzzy {ident!r}")
        if not all(strings):
            found.append(f"{tag}: untranslated {ident!r}")
            continue
        ids = m.id if isinstance(m.id, tuple | list) else (m.id,)
        expected = set(_PLACEHOLDER.findall(ids[-1])) | set(_PLACEHOLDER.findall(ids[0]))
        for comment in m.auto_comments:  # a TRANSLATORS comment may offer more
            expected |= set(_PLACEHOLDER.findall(comment))
        for text in strings:
            got = set(_PLACEHOLDER.findall(text or ""))
            if not got <= expected:
                found.append(f"{tag}: placeholders {sorted(got)} not in msgid {ident!r}")
    return found


def problems(extracted: Catalog | None = None) -> list[str]:
    """Untranslated, fuzzy, stale and placeholder problems of the committed catalogues."""
    found: list[str] = []
    if extracted is None:
        extracted = extract_catalog()
    with TEMPLATE.open("rb") as fp:
        template = read_po(fp)
    want, have = message_keys(extracted), message_keys(template)
    found += [f"wbreport.pot: stale, lacks {k[1]!r}" for k in sorted(want - have)]
    found += [f"wbreport.pot: stale, has removed {k[1]!r}" for k in sorted(have - want)]
    for tag, lang in LANGUAGES.items():
        if not lang.catalogue.is_file():
            found.append(f"{tag}: no catalogue {lang.catalogue}")
            continue
        catalog = _load(lang.catalogue, tag)
        keys = message_keys(catalog)
        found += [f"{tag}: lacks {k[1]!r}" for k in sorted(have - keys)]
        found += [f"{tag}: obsolete {k[1]!r}" for k in sorted(keys - have)]
        found += _message_problems(tag, catalog)
        if lang.compiled.is_file():
            if lang.compiled.stat().st_mtime + 1 < lang.catalogue.stat().st_mtime:
                found.append(f"{tag}: {lang.compiled.name} older than the .po (compile)")
        else:
            found.append(f"{tag}: not compiled")
    return found


def main(argv: list[str] | None = None) -> int:
    """``python -m wbreport.i18n_tools extract|update|compile|check|all``."""
    parser = argparse.ArgumentParser(prog="python -m wbreport.i18n_tools", description=__doc__)
    parser.add_argument("command", choices=["extract", "update", "compile", "check", "all"])
    parser.add_argument("--lang", action="append", help="only these languages (repeatable)")
    args = parser.parse_args(argv)
    if args.command in ("extract", "all"):
        write_template(extract_catalog())
    if args.command in ("update", "all"):
        update(tags=args.lang)
    if args.command in ("compile", "all"):
        compile_all(tags=args.lang)
    if args.command in ("check", "all"):
        found = problems()
        for line in found:
            print(line)
        print(f"{len(found)} problem(s)", file=sys.stderr)
        return 1 if found else 0
    return 0


if __name__ == "__main__":  # ``python -m wbreport.i18n_tools``
    raise SystemExit(main())

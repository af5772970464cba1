"""Glyph coverage: is every character a page shows drawn by a font that has it?

Chromium reports, per DOM node, the platform fonts it actually used to draw the node's text
(DevTools ``CSS.getPlatformFontsForNode``). Each is resolved to its file with fontconfig's
``fc-match`` and read with fontTools; a character missing from every font used for its node
would be drawn as a missing-glyph box ("tofu"). Charts are SVG images, so their text is
checked against the font their ``font-family`` names. PDFs written by Chromium carry a
``ToUnicode`` map per embedded font: the characters it maps are the text the PDF draws.
Each helper returns findings (an empty list means the check passed).
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import urllib.parse
import zlib
from functools import cache
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTCollection, TTFont

IGNORED = {" ", "\n", "\t", "\r", "\xa0", "\u202f", "\u200b", "\u00ad"}


def fontconfig_available() -> bool:
    return shutil.which("fc-match") is not None


@cache
def font_file(pattern: str) -> Path | None:
    """The file fontconfig picks for ``pattern`` (a family or ``:postscriptname=...``)."""
    out = subprocess.run(
        ["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True, check=False
    ).stdout.strip()
    return Path(out) if out else None


@cache
def covered(path: Path, postscript: str = "") -> frozenset[int]:
    """Code points with a glyph in the font file (the face named ``postscript`` of a TTC)."""
    if path.suffix.lower() in {".ttc", ".otc"}:
        faces = TTCollection(str(path)).fonts
        for face in faces:
            if not postscript or face["name"].getDebugName(6) == postscript:
                return frozenset(face.getBestCmap() or {})
        return frozenset(faces[0].getBestCmap() or {})
    return frozenset(TTFont(str(path), lazy=True).getBestCmap() or {})


def _platform_font(font: dict[str, Any]) -> Path | None:
    postscript = font.get("postScriptName") or ""
    if postscript:
        found = font_file(f":postscriptname={postscript}")
        if found is not None:
            return found
    return font_file(font.get("familyName", ""))


def _own_text(node: dict[str, Any]) -> str:
    return "".join(c.get("nodeValue", "") for c in node.get("children", []) if c["nodeType"] == 3)


def _walk(node: dict[str, Any]) -> list[dict[str, Any]]:
    out = [node]
    for child in node.get("children", []):
        out += _walk(child)
    return out


def page_glyph_findings(page: Any) -> tuple[list[str], set[str]]:
    """Characters of the page's text that no font used for their element can draw.

    Returns the findings and the names of the fonts Chromium used.
    """
    session = page.context.new_cdp_session(page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument", {"depth": -1, "pierce": False})["root"]
    findings: list[str] = []
    used: set[str] = set()
    for node in _walk(root):
        if node.get("nodeType") != 1 or node.get("nodeName") in {"SCRIPT", "STYLE", "TITLE"}:
            continue
        text = _own_text(node)
        chars = {c for c in text if c not in IGNORED}
        if not chars:
            continue
        fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
        have: set[int] = set()
        for font in fonts:
            used.add(font.get("postScriptName") or font.get("familyName", "?"))
            path = _platform_font(font)
            if path is None:
                findings.append(f"no font file for {font}")
                continue
            have |= covered(path, font.get("postScriptName") or "")
        lacking = sorted(c for c in chars if ord(c) not in have)
        if lacking:
            findings.append(
                f"<{node['nodeName'].lower()}> {text.strip()[:40]!r}: no glyph for "
                f"{''.join(lacking)!r} in {[f.get('familyName') for f in fonts]}"
            )
    session.detach()
    return findings, used


_DATA_SVG = re.compile(r'src="data:image/svg\+xml(;base64)?,([^"]+)"')
_SVG_TEXT = re.compile(r"<text\b[^>]*>(.*?)</text>", re.S)
_FAMILY = re.compile(r"font-family:\s*'?([^',;\"]+)")


def chart_svgs(html: str) -> list[str]:
    """The SVG documents of the page's chart images."""
    out = []
    for is_b64, data in _DATA_SVG.findall(html):
        raw = base64.b64decode(data).decode("utf-8") if is_b64 else urllib.parse.unquote(data)
        out.append(raw)
    return out


def svg_glyph_findings(svg: str) -> list[str]:
    """Text of an SVG (``svg.fonttype: none``) that its first-named font cannot draw."""
    import html as html_module

    families = set(_FAMILY.findall(svg)) or {"sans-serif"}
    text = "".join(html_module.unescape(t) for t in _SVG_TEXT.findall(svg))
    chars = {c for c in re.sub(r"<[^>]+>", "", text) if c not in IGNORED}
    findings = []
    for family in families:
        path = font_file(family.strip())
        if path is None:
            findings.append(f"chart font {family!r} not installed")
            continue
        lacking = sorted(c for c in chars if ord(c) not in covered(path))
        if lacking:
            findings.append(f"chart font {family!r} ({path.name}) lacks {''.join(lacking)!r}")
    return findings


# --- PDF ----------------------------------------------------------------------------------------

_STREAM_START = re.compile(rb"<<((?:(?!<<|>>).|<<.{0,200}?>>){0,800}?)>>\s*stream\r?\n", re.S)
_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\s+\d+\s+R)")


def _streams(pdf: bytes) -> list[tuple[bytes, bytes]]:
    """(dictionary, decoded data) of each stream (Flate decoded when it says so)."""
    out = []
    for match in _STREAM_START.finditer(pdf):
        head, start = match.group(1), match.end()
        length = _LENGTH.search(head)
        end = start + int(length.group(1)) if length else pdf.find(b"endstream", start)
        body = pdf[start:end]
        if b"FlateDecode" in head:
            try:
                body = zlib.decompressobj().decompress(body)
            except zlib.error:
                continue
        out.append((head, body))
    return out


_BASEFONT = re.compile(rb"/BaseFont\s*/([A-Za-z0-9+\-_,.]+)")
_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


def _utf16(hexdigits: bytes) -> str:
    return bytes.fromhex(hexdigits.decode()).decode("utf-16-be", errors="replace")


def pdf_text_chars(pdf: bytes) -> set[str]:
    """Every character the PDF's fonts map to Unicode (their ToUnicode CMaps)."""
    chars: set[str] = set()
    for _head, body in _streams(pdf):
        if b"begincmap" not in body:
            continue
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", body, re.S):
            values = _HEX.findall(block)
            chars |= {_utf16(v) for v in values[1::2]}
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", body, re.S):
            for line in block.splitlines():
                parts = _HEX.findall(line)
                if len(parts) == 3:
                    lo, hi, start = (int(p, 16) for p in parts)
                    base = ord(_utf16(parts[2])[-1]) if start else 0
                    chars |= {chr(base + i) for i in range(hi - lo + 1)}
                elif len(parts) > 3:
                    chars |= {_utf16(v) for v in parts[2:]}
    return {c for ch in chars for c in ch}


def pdf_fonts_plain(data: bytes) -> set[str]:
    """Font names written in ``data`` itself (subset prefixes ``ABCDEF+`` removed)."""
    names = set()
    for raw in _BASEFONT.findall(data):
        name = raw.decode("latin-1")
        names.add(name.split("+", 1)[1] if "+" in name else name)
    return names


def pdf_fonts(pdf: bytes) -> set[str]:
    """Names of the fonts a PDF embeds (subset prefixes ``ABCDEF+`` removed)."""
    names = pdf_fonts_plain(pdf)
    for head, body in _streams(pdf):  # object streams hide font dictionaries
        if b"ObjStm" in head:
            names |= {n for n in pdf_fonts_plain(body)}
    return names


def pdf_script_findings(pdf: bytes, expected: str) -> list[str]:
    """Characters of ``expected`` (e.g. the page's headings) the PDF does not draw as text."""
    have = pdf_text_chars(pdf)
    lacking = sorted({c for c in expected if c not in IGNORED and c not in have})
    findings = []
    if lacking:
        findings.append(f"PDF text lacks {''.join(lacking)!r} (has {len(have)} characters)")
    if not pdf_fonts(pdf):
        findings.append("PDF embeds no font")
    return findings

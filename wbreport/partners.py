"""Partner codes, display names, report languages and the Kosovo* footnote."""

from __future__ import annotations

from dataclasses import dataclass

from wbreport.errors import PartnerError
from wbreport.registry import N_

KOSOVO_FOOTNOTE = N_(
    "*This designation is without prejudice to positions on status, and is in line with "
    "UNSCR 1244/1999 and the ICJ Opinion on the Kosovo declaration of independence."
)


@dataclass(frozen=True)
class Partner:
    """One partner (or the region WB): code, display name, languages of translated tools."""

    code: str
    name: str
    languages: tuple[str, ...]

    @property
    def is_region(self) -> bool:
        return self.code == REGION


PARTNERS: tuple[Partner, ...] = (
    Partner("AL", N_("Albania"), ("sq",)),
    Partner("BA", N_("Bosnia and Herzegovina"), ("bs", "hr", "sr-Latn", "sr-Cyrl")),
    Partner("XK", N_("Kosovo*"), ("sq", "sr-Latn")),
    Partner("ME", N_("Montenegro"), ("cnr", "sr-Latn")),
    Partner("MK", N_("North Macedonia"), ("mk", "sq")),
    Partner("RS", N_("Serbia"), ("sr-Cyrl", "sr-Latn")),
    Partner("WB", N_("Western Balkans"), ()),
)
REGION = "WB"
ALL_CODES: tuple[str, ...] = tuple(p.code for p in PARTNERS)
NATIONAL_CODES: tuple[str, ...] = ALL_CODES[:-1]
_BY_CODE = {p.code: p for p in PARTNERS}


def get_partner(code: str) -> Partner:
    """Return the partner for ``code`` or raise :class:`PartnerError`."""
    try:
        return _BY_CODE[code]
    except (KeyError, TypeError):
        raise PartnerError(str(code)) from None


def parse_partners(text: str | None) -> list[str]:
    """Parse ``"AL,RS"`` into codes in the fixed partner order (all when empty)."""
    if not text:
        return list(ALL_CODES)
    given = [c.strip() for c in text.split(",") if c.strip()]
    for code in given:
        if code.upper() not in _BY_CODE:
            raise PartnerError(code)
    wanted = {c.upper() for c in given}
    return [c for c in ALL_CODES if c in wanted]


def order_key(code: str) -> int:
    """Position of ``code`` in the fixed order AL, BA, XK, ME, MK, RS, WB."""
    return ALL_CODES.index(code)

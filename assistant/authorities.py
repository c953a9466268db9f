"""Legal authority strings: how notes cite the law, and how those citations are recognised.

Three forms are accepted:
  - ``<Instrument> <year>, <pinpoint>``  e.g. ``SEND Regulations 2014, reg 5(1)``
  - ``<Instrument> <year>``              e.g. ``Mental Capacity Act 2005``
  - a case                               e.g. ``Cambridgeshire CC v FL-J [2016] UKUT 225 (AAC)``
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PINPOINT = (
    r"(?:s\.|ss\.|r\.|reg |regs |para |paras |Schedule |chapter |Part )"
    r"[0-9A-Za-z][0-9A-Za-z().\-–, ]*"
)
INSTRUMENT = r"[A-Z][A-Za-z0-9()'&\-, ]*?(?:19|20)\d\d"
CASE = r"[A-Z][^\[\]]*? v [^\[\]]+? \[(?:19|20)\d\d\] [A-Za-z0-9() ]+"

_FULL = re.compile(rf"^(?P<instrument>{INSTRUMENT})(?:, (?P<pinpoint>{PINPOINT}))?$")
_CASE = re.compile(rf"^{CASE}$")

#: The instruments the corpus cites most, for spotting citations inside running text.
KNOWN_INSTRUMENTS = (
    "Children and Families Act 2014",
    "SEND Regulations 2014",
    "SEND Code of Practice 2015",
    "Equality Act 2010",
    "Education Act 1996",
    "Education Act 2002",
    "SEND (Amendment) Regulations 2024",
    "Tribunal Procedure Rules 2008",
)
_INLINE = re.compile(
    r"(?P<a>(?:" + "|".join(re.escape(i) for i in KNOWN_INSTRUMENTS) + r"), "
    r"(?:s\.|ss\.|r\.|reg |regs |para |paras |Schedule |chapter |Part )"
    r"[0-9A-Za-z.\-–]+(?:\([0-9a-z]+\))*(?:-[0-9.]+)?)"
)


@dataclass(frozen=True)
class Authority:
    text: str
    instrument: str
    pinpoint: str = ""
    is_case: bool = False


def parse_authority(text: str) -> Authority:
    """Parse one authority string; raise ValueError naming the accepted forms."""
    s = text.strip()
    m = _FULL.match(s)
    if m:
        return Authority(s, m.group("instrument"), (m.group("pinpoint") or "").strip())
    if _CASE.match(s):
        return Authority(s, s, "", is_case=True)
    raise ValueError(
        f"{text!r} is not an authority of a known form: use 'Instrument YEAR, pinpoint' "
        "(pinpoint starting s. ss. r. reg regs para paras Schedule chapter Part), "
        "'Instrument YEAR', or a case 'A v B [YEAR] report'."
    )


def authorities_in(text: str) -> list[str]:
    """Citations of the known instruments written inside running text, in order, unique."""
    seen: dict[str, None] = {}
    for m in _INLINE.finditer(text):
        seen.setdefault(m.group("a").rstrip(".,;"), None)
    return list(seen)


#: How people write a pinpoint: "s.66", "section 36(8)", "reg 18", "regulation 5(1)",
#: "para 9.14", "CoP 9.14", or a bare Code paragraph number such as "9.14".
_REFERENCE = re.compile(
    r"\b(?P<kind>ss?\.|sections?|regs?\.?|regulations?|paras?\.?|paragraphs?|cop)\s*"
    r"(?P<num>\d{1,3}(?:\.\d+)?)(?!\d)|"
    r"\b(?P<para>\d{1,2}\.\d{1,3})\b(?!\s*(?:weeks?|days?|months?|years?|hours?|%))",
    re.I,
)
_RANGE = re.compile(r"\bparas? (\d{1,2})\.(\d{1,3})\s*[-–]\s*(?:\d{1,2}\.)?(\d{1,3})\b")


def references(text: str) -> set[tuple[str, str]]:
    """The pinpoints a piece of text names, as ("s"|"reg"|"para", number) pairs.

    "s.36(8)" and "section 36" both give ("s", "36"); "paras 6.96-6.99" gives each paragraph
    of the range, so a question about para 6.97 finds the note that cites the range.
    """
    out: set[tuple[str, str]] = set()
    for m in _REFERENCE.finditer(text):
        if m.group("para"):
            out.add(("para", m.group("para")))
            continue
        kind = m.group("kind").lower().rstrip(".")
        num = m.group("num")
        if kind.startswith("reg"):
            out.add(("reg", num.split(".")[0]))
        elif kind.startswith("s"):
            out.add(("s", num.split(".")[0]))
        elif "." in num:
            out.add(("para", num))
    for chapter, first, last in _RANGE.findall(text):
        lo, hi = int(first), int(last)
        if 0 <= hi - lo <= 50:
            out.update(("para", f"{chapter}.{n}") for n in range(lo, hi + 1))
    return out

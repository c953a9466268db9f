"""Statutory SEND deadlines worked out from a start date, and UK dates read from plain text.

Pure and deterministic: nothing reads the clock (callers pass `today`), so the chat, the CLI and
the tests get the same answer for the same input. Each rule carries the authority string and the
id of the corpus note that states it, so a deadline can be cited like any retrieved passage.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from assistant.errors import DeadlineError

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DATE_FORMS = "3 March 2026, 3/3/2026 (day first), 2026-03-03, yesterday or last Tuesday"
R20 = "Tribunal Procedure Rules 2008, r.20"


@dataclass(frozen=True)
class Rule:
    kind: str
    label: str
    period: str
    starts: str  # what the start date is
    authority: str  # exactly as the corpus writes it
    doc_id: str  # the corpus note that states the rule
    exceptions: str = ""  # one sentence naming the exceptions that may displace the date


_REG = "SEND Regulations 2014, reg "
_REQUEST = "the day the council received the request for assessment"
RULES: dict[str, Rule] = {r.kind: r for r in (
    Rule("assessment-decision", "the council's decision whether to carry out an EHC needs "
         "assessment", "6 weeks", "the day the council received the request", _REG + "5(1)",
         "six-week-decision-to-assess", "The regulations allow a few narrow exceptions, such as "
         "a school closure period, so this date may not apply (SEND Regulations 2014, reg 5(4))."),
    Rule("plan-decision", "the council's notice if it decides not to issue an EHC plan",
         "16 weeks", _REQUEST, _REG + "10(1)", "sixteen-week-decision-to-issue"),
    Rule("final-plan", "the final EHC plan", "20 weeks", _REQUEST, _REG + "13(2)",
         "final-plan-20-weeks", "The council can go past 20 weeks only in the exceptions in "
         "reg 10(4) (advice asked for around a school closure of 4 weeks or more, exceptional "
         "personal circumstances, or absence from the area for 4 weeks or more), so this date may "
         "not apply (SEND Regulations 2014, reg 10(4))."),
    Rule("draft-comments", "the end of your time to comment on the draft EHC plan and ask for a "
         "school", "15 days", "the day the draft plan was served, which counts as day 1",
         _REG + "13(1)", "draft-plan-15-days"),
    Rule("review-decision", "the council's decision after the annual review meeting (keep, amend "
         "or cease the plan)", "4 weeks", "the day of the review meeting", _REG + "20(10)",
         "after-the-annual-review"),
    Rule("next-review", "the next review of the EHC plan", "12 months", "the day the plan was "
         "first made or last reviewed", "Children and Families Act 2014, s.44(1)", "annual-review"),
    Rule("phase-transfer", "the amended EHC plan naming the next school (phase transfer)",
         "15 February in the calendar year of the move", "the date of the move", _REG + "18",
         "phase-transfer-deadlines"),
    Rule("phase-transfer-post16", "the amended EHC plan naming the post-16 institution "
         "(secondary to post-16)", "31 March in the calendar year of the move",
         "the date of the move", _REG + "18", "phase-transfer-deadlines"),
    Rule("appeal", "the last day for the SEND Tribunal to receive an appeal", "2 months",
         "the date on the council's decision letter", R20, "tribunal-appeals"),
)}

ALIASES: dict[str, str] = {
    "assess": "assessment-decision", "assessment": "assessment-decision",
    "6-weeks": "assessment-decision", "six-weeks": "assessment-decision",
    "no-plan": "plan-decision", "16-weeks": "plan-decision", "sixteen-weeks": "plan-decision",
    "final": "final-plan", "20-weeks": "final-plan", "twenty-weeks": "final-plan",
    "draft": "draft-comments", "15-days": "draft-comments", "review": "review-decision",
    "4-weeks": "review-decision", "annual-review": "next-review", "12-months": "next-review",
    "phase": "phase-transfer", "transfer": "phase-transfer", "post16": "phase-transfer-post16",
    "post-16": "phase-transfer-post16", "tribunal": "appeal", "2-months": "appeal",
}

# Said with every deadline of a kind: limits on what the date means, each with its authority.
_NOTES: dict[str, tuple[str, ...]] = {
    "draft-comments": ("This is the earliest the 15 days can end: if the council's letter gives "
                       "a later date, use that (SEND Regulations 2014, reg 13(1)).",),
    "review-decision": (
        "If the council decides to amend the plan, it must send the proposed amendments within "
        "the same 4 weeks (R (L, M and P) v Devon County Council [2022] EWHC 493 (Admin)).",
        "Where the child does not attend a school or other institution, the same 4 weeks come "
        "from reg 21 (SEND Regulations 2014, reg 21)."),
    "next-review": (
        "12 months is the longest allowed; a review can be sooner "
        "(Children and Families Act 2014, s.44(1)).", "For a child under 5, the council should "
        "consider a review every 3 to 6 months (SEND Code of Practice 2015, para 9.178)."),
    "phase-transfer": ("For a move from secondary school to a post-16 institution the deadline "
                       "is 31 March instead (SEND Regulations 2014, reg 18).",),
    "phase-transfer-post16": ("For a move between two post-16 institutions at another time of "
                              "year, it is at least 5 months before the move instead "
                              "(SEND Regulations 2014, reg 18).",),
    "appeal": (f"The Tribunal can accept a late appeal, but only at its discretion ({R20}).",),
}


@dataclass(frozen=True)
class Deadline:
    rule: Rule
    start: date
    due: date
    passed: bool  # due < today
    notes: tuple[str, ...]  # how the date was reached, and what limits it

    def to_dict(self) -> dict[str, Any]:
        r = self.rule
        return {"kind": r.kind, "label": r.label, "period": r.period, "starts": r.starts,
                "authority": r.authority, "doc_id": r.doc_id, "start": self.start.isoformat(),
                "due": self.due.isoformat(), "due_text": format_date(self.due),
                "passed": self.passed, "notes": list(self.notes), "exceptions": r.exceptions}


@dataclass(frozen=True)
class ParsedDate:
    value: date
    text: str  # the words matched in the input
    assumed: str = ""  # how an ambiguous or partial date was read, for the user to check


def format_date(d: date) -> str:
    """'Tuesday 14 April 2026' (fixed English names, whatever the locale)."""
    return f"{WEEKDAYS[d.weekday()]} {day_month_year(d)}"


def day_month_year(d: date) -> str:
    """'14 April 2026', as a letter or a note writes a date (fixed English month names)."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def _quote(text: str) -> str:
    """The offending text, cut short: messages never repeat more of the input than that."""
    text = " ".join(text.split())
    return text[:40] + "…" * (len(text) > 40)


def resolve_kind(name: str) -> str:
    key = re.sub(r"[\s_]+", "-", name.strip().lower())
    if key in RULES or key in ALIASES:
        return ALIASES.get(key, key)
    short = {k: [a for a, v in ALIASES.items() if v == k] for k in RULES}
    kinds = "; ".join(f"{k} ({', '.join(a)})" if a else k for k, a in short.items())
    raise DeadlineError(f"There is no deadline called '{_quote(name)}'. Use one of these kinds "
                        f"(short names in brackets): {kinds}.")


# --- calendar arithmetic -------------------------------------------------------------------------
def _add_months(d: date, n: int) -> date:
    """Calendar months, clamped to the month's last day (31 December + 2 months = 28 February)."""
    year, month = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def _months_after(start: date, n: int) -> tuple[date, list[str]]:
    due = _add_months(start, n)
    if due.day == start.day:
        return due, []
    return due, [f"{MONTHS[due.month - 1]} {due.year} has no day {start.day}, so {n} month"
                 f"{'s' * (n > 1)} from {day_month_year(start)} ends on its last day, "
                 f"{format_date(due)}."]


def _easter(year: int) -> date:
    """Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a, (b, c) = year % 19, divmod(year, 100)
    (d, e), g = divmod(b, 4), (b - (b + 8) // 25 + 1) // 3
    h, (i, k) = (19 * a + b - d - g + 15) % 30, divmod(c, 4)
    n = (32 + 2 * e + 2 * i - h - k) % 7
    month, day = divmod(h + n - 7 * ((a + 11 * h + 22 * n) // 451) + 114, 31)
    return date(year, month, day + 1)


def _bank_holidays(year: int) -> set[date]:
    """England and Wales bank holidays by the standing rules (one-off extra days, such as
    coronations, are not known)."""
    easter, may1 = _easter(year), date(year, 5, 1)
    may31, aug31 = date(year, 5, 31), date(year, 8, 31)
    days = {easter - timedelta(2), easter + timedelta(1), may1 + timedelta(-may1.weekday() % 7),
            may31 - timedelta(may31.weekday()), aug31 - timedelta(aug31.weekday())}
    # A holiday on a weekend moves to the next weekday not already taken (substitute days).
    for fixed in (date(year, 1, 1), date(year, 12, 25), date(year, 12, 26)):
        while fixed.weekday() >= 5 or fixed in days:
            fixed += timedelta(days=1)
        days.add(fixed)
    return days


def _working_day_from(d: date) -> date:
    while d.weekday() >= 5 or d in _bank_holidays(d.year):
        d += timedelta(days=1)
    return d


# --- the rules -----------------------------------------------------------------------------------
def _after(n: int, unit: str) -> Callable[[date], tuple[date, list[str]]]:
    def step(start: date) -> tuple[date, list[str]]:
        return _months_after(start, n) if unit == "months" else (start + timedelta(**{unit: n}), [])
    return step


def _on(month: int, day: int) -> Callable[[date], tuple[date, list[str]]]:
    def step(move: date) -> tuple[date, list[str]]:
        due = date(move.year, month, day)  # in the calendar year of the move (reg 18)
        warn = [f"The move date you gave ({day_month_year(move)}) is not after this deadline; "
                "check it is the date the child moves to the new school or college."
                ] if move <= due else []
        return due, warn
    return step


_STEPS: dict[str, Callable[[date], tuple[date, list[str]]]] = {
    "assessment-decision": _after(6, "weeks"), "plan-decision": _after(16, "weeks"),
    "final-plan": _after(20, "weeks"), "review-decision": _after(4, "weeks"),
    # "beginning with" the day of service: that day is day 1, so day 15 is 14 days later.
    "draft-comments": _after(14, "days"), "next-review": _after(12, "months"),
    "phase-transfer": _on(2, 15), "phase-transfer-post16": _on(3, 31),
}


def _appeal(decision: date, certificate: date | None) -> tuple[date, list[str]]:
    due, clamp = _months_after(decision, 2)
    if certificate is None:
        first = decision  # the earliest certificate whose month would end later
        while _add_months(first, 1) <= due:
            first += timedelta(days=1)
        notes = [f"This is 2 months from the decision letter. A mediation certificate dated "
                 f"{day_month_year(first)} or later would move it to 1 month from the "
                 "certificate's date."]
    else:
        by_letter, (by_cert, cert_clamp) = due, _months_after(certificate, 1)
        if by_cert > by_letter:
            due, clamp = by_cert, cert_clamp
            notes = [f"1 month from the mediation certificate ({day_month_year(by_cert)}) is "
                     f"later than 2 months from the decision letter "
                     f"({day_month_year(by_letter)}), so it applies."]
        else:
            notes = [f"2 months from the decision letter ({day_month_year(by_letter)}) is "
                     + ("the same as" if by_cert == by_letter else "later than")
                     + " 1 month from the mediation certificate "
                     f"({day_month_year(by_cert)}), so it applies."]
    notes += clamp
    if (due.month, due.day) >= (12, 25) or (due.month, due.day) == (1, 1):
        rolled = _working_day_from(date(due.year + (due.month == 12), 1, 2))
        notes.append(f"{day_month_year(due)} falls between 25 December and 1 January, so the "
                     f"deadline runs to the next working day after 1 January, "
                     f"{format_date(rolled)} ({R20}).")
    elif due.month == 8:
        rolled = _working_day_from(date(due.year, 9, 1))
        notes.append(f"{day_month_year(due)} falls in August, so the deadline runs to the first "
                     f"working day of September, {format_date(rolled)} ({R20}).")
    else:
        return due, notes
    notes.append("These holiday rules are for SEN appeals; they do not apply to disability "
                 "discrimination claims.")
    return rolled, notes


def compute(kind: str, start: date, *, today: date, certificate: date | None = None) -> Deadline:
    """The deadline of `kind` (a kind or alias) counted from `start`; `certificate` is the date
    on a mediation certificate, for appeals only."""
    rule = RULES[resolve_kind(kind)]
    if rule.kind == "appeal":
        due, notes = _appeal(start, certificate)
    elif certificate is not None:
        raise DeadlineError(f"A mediation certificate only changes the appeal deadline, not "
                            f"{rule.kind}. Leave the certificate out, or use the kind: appeal.")
    else:
        due, notes = _STEPS[rule.kind](start)
    return Deadline(rule, start, due, due < today, tuple(notes) + _NOTES.get(rule.kind, ()))


def compute_all(kinds: Sequence[str], start: date, *, today: date) -> list[Deadline]:
    return [compute(k, start, today=today) for k in kinds]


# --- reading dates -------------------------------------------------------------------------------
_WD = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_S = r"(?<![\w/.£$-])"  # not inside a number, an amount or a word
# "Tuesday 3 March", "on Tuesday, the 3rd of March": longer than "on Tuesday", so it wins.
_PRE = rf"(?:(?:on\s+|last\s+|next\s+)?(?P<wd>{_WD}),?\s+(?:the\s+)?)?"
_DAY = r"(?P<day>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\b"
# Lower-case "may" only before a year or punctuation: "year 6 may be" is not 6 May.
_MON = (r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|june?|july?|aug(?:ust)?"
        r"|(?-i:May|MAY)|(?-i:may)(?=,?\s+(?:19|20)\d\d|\s*(?:$|[.,;:!?)]))"
        r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?")
_YEAR = r"(?:,?\s+(?P<year>(?:19|20)\d\d)(?!\d)"
# A two-digit year ("3 Mar 26") only where nothing follows, so "3 March 20 weeks" stays a day.
_YY = r"|\s+'?(?P<yy>\d\d)(?![\w,%£$]|\s+\w))?"
_NUMBER = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
           "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_PATTERNS = [(name, re.compile(_S + pattern, re.IGNORECASE)) for name, pattern in (
    ("iso", rf"{_PRE}(?P<year>(?:19|20)\d\d)-(?P<mon>\d\d?)-(?P<day>\d\d?)(?!\d|-\d)"),
    ("numeric", rf"{_PRE}(?P<day>\d\d?)(?P<sep>[/.-])(?P<mon>\d\d?)(?P=sep)"
                r"(?P<year>(?:19|20)?\d\d)(?!\d|[/.-]\d)"),
    ("words", rf"{_PRE}{_DAY}(?:\s+of)?\s+{_MON}{_YEAR}{_YY}"),
    ("words", rf"{_PRE}{_MON}\s+{_DAY}{_YEAR})?"),
    ("ago", rf"(?P<n>\d\d?|{'|'.join(_NUMBER)})\s+(?P<unit>day|week|fortnight|month|year)s?"
            r"\s+ago\b"),
    ("weekday", rf"(?:(?P<rel>last|next|on)\s+)?(?P<wd>{_WD})\b"),
    ("word", r"(?P<word>today|yesterday|tomorrow)\b"),
)]


def _guess_year(month: int, day: int, today: date, text: str) -> tuple[date, str]:
    """The most recent such day on or before today; but the coming one when the last was over
    300 days ago and the next is at most 60 days away (a parent in November who says
    "3 January" means the one after Christmas)."""
    seen = [date(y, month, day) for y in range(today.year - 8, today.year + 9)
            if day <= calendar.monthrange(y, month)[1]]
    if not seen:
        raise DeadlineError(f"'{_quote(text)}' is not a real date: {MONTHS[month - 1]} never has "
                            f"{day} days. Type a real date, for example {DATE_FORMS}.")
    past, coming = [d for d in seen if d <= today], [d for d in seen if d > today]
    pick = past[-1] if past else coming[0]
    if past and coming and (today - pick).days > 300 and (coming[0] - today).days <= 60:
        pick = coming[0]
    return pick, f"You didn't give a year, so I took {day_month_year(pick)}."


def _read(kind: str, m: re.Match[str], today: date) -> ParsedDate | None:
    text, g = m.group(0).rstrip("."), m.groupdict()
    assumed: list[str] = []
    if kind == "word":
        shift = {"today": 0, "yesterday": -1, "tomorrow": 1}[g["word"].lower()]
        return ParsedDate(today + timedelta(days=shift), text)
    if kind == "ago":
        n = int(g["n"]) if g["n"].isdigit() else _NUMBER[g["n"].lower()]
        unit = g["unit"].lower()
        if unit in ("month", "year"):
            value = _add_months(today, -n * (12 if unit == "year" else 1))
        else:
            value = today - timedelta(days=n * {"day": 1, "week": 7, "fortnight": 14}[unit])
        return ParsedDate(value, text, f"I took {text} to mean {format_date(value)}.")
    if kind == "weekday":
        target, rel = WEEKDAYS.index(g["wd"].capitalize()), (g["rel"] or "").lower()
        if rel == "next":
            value = today + timedelta(days=(target - today.weekday()) % 7 or 7)
        else:  # "last" is strictly before today; a bare or "on" weekday may be today
            value = today - timedelta(days=(today.weekday() - target) % 7 or (7 * (rel == "last")))
        said = g["wd"] if rel == "on" else text
        return ParsedDate(value, text, f"I took {said} to mean {format_date(value)}.")
    day, mon = int(g["day"]), g["mon"]
    month = int(mon) if mon.isdigit() else [n[:3] for n in MONTHS].index(mon[:3].title()) + 1
    if day > 31 or month > 31 or day == 0 or month == 0:
        return None  # a pair of numbers, not a date
    if month > 12:
        raise DeadlineError(f"'{_quote(text)}' is not a date: there is no month {month}. Dates are "
                            f"read day first, so 25 December 2026 is 25/12/2026.")
    year = int(g.get("year") or g.get("yy") or 0)
    if 0 < year < 100:  # "3/3/26"; a year more than 10 ahead is last century's ("1/2/99")
        year += 2000 if year <= today.year - 1990 else 1900
    if not year:
        value, guess = _guess_year(month, day, today, text)
        assumed.append(guess)
    elif day > (last := calendar.monthrange(year, month)[1]):
        raise DeadlineError(f"'{_quote(text)}' is not a real date: {MONTHS[month - 1]} {year} has "
                            f"{last} days. Check the day and month; dates are read day first, so "
                            "3 April 2026 is 3/4/2026.")
    else:
        value = date(year, month, day)
        if kind == "numeric" and day != month and day <= 12:
            shown = text[m.start("day") - m.start():]  # without a weekday in front
            assumed.append(f"I read {shown} the UK way, as {day_month_year(value)}.")
    if g["wd"] and WEEKDAYS[value.weekday()].lower() != g["wd"].lower():
        assumed.append(f"You wrote {g['wd'].capitalize()}, but {day_month_year(value)} is a "
                       f"{WEEKDAYS[value.weekday()]}; I went by the date.")
    return ParsedDate(value, text, " ".join(assumed))


def _scan(text: str, today: date) -> list[tuple[int, int, ParsedDate]]:
    hits = sorted(((m.start(), -m.end(), kind, m) for kind, rx in _PATTERNS
                   for m in rx.finditer(text)), key=lambda h: h[:2])
    found: list[tuple[int, int, ParsedDate]] = []
    for start, neg_end, kind, m in hits:  # earliest first, then longest; drop overlaps
        if found and start < found[-1][1]:
            continue
        parsed = _read(kind, m, today)
        if parsed:
            found.append((start, -neg_end, parsed))
    return found


def find_dates(text: str, today: date) -> list[ParsedDate]:
    """Every date in free text, in order. Raises DeadlineError for a date that does not exist
    (31 April), so the user is told rather than silently ignored."""
    return [p for _, _, p in _scan(text, today)]


def find_date(text: str, today: date) -> ParsedDate | None:
    return next(iter(find_dates(text, today)), None)


def parse_date(text: str, today: date) -> ParsedDate:
    """The whole of `text` read as one date (a leading "on" or "the" is allowed)."""
    if not text.strip():
        raise DeadlineError(f"No date was given. Type one, for example {DATE_FORMS}.")
    found = _scan(text, today)
    if len(found) == 1:
        start, end, parsed = found[0]
        if re.fullmatch(r"(?:[\s,.;:()]|\bon\b|\bthe\b)*", text[:start] + " " + text[end:], re.I):
            return parsed
    raise DeadlineError(f"I couldn't read '{_quote(text)}' as one date. Type one date, for "
                        f"example {DATE_FORMS}.")

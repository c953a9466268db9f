"""Personal details typed into the chat are kept out of logs and storage.

`redact` removes contact details (email addresses, phone numbers). Parents sometimes type them
into a question; the web layer redacts questions and conversation history before the engine
sees them, so neither the engine's logs nor anything else keeps them.

`redact_personal` also removes names, dates of birth, addresses, postcodes and NHS numbers. It
is for log lines only (SEND_LOG_QUESTIONS): the engine still needs those words, since a
letter is addressed with the child's name and a deadline is counted from a date.

The patterns need a cue ("my son Jack", "called Amelia", "DOB 03/04/2015", "lives at ...",
"Mrs Patel") or a shape (a postcode, an NHS number's check digit, "12 High Street"); a name
written on its own ("Jack has autism") cannot be told from any other word and is kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable

EMAIL_MARK = "[email]"
PHONE_MARK = "[phone]"

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A run of digits, spaces, dots, dashes and brackets, perhaps after "+" or "00"; whether it
# is a phone number is decided by its count of digits (below).
_PHONE_CANDIDATE = re.compile(r"(?<![\w+])(?:\+|\(\+?)?\d[\d ().\-\u00a0]{6,}\d(?!\w)")
#: A UK number has 10 or 11 digits (07700 900123, 020 7946 0958); with +44 or 0044 up to 14;
#: an international number at most 15. Shorter runs are dates, sums or paragraph numbers.
PHONE_DIGITS = range(10, 16)


def _phone(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group())
    return PHONE_MARK if digits in PHONE_DIGITS else match.group()


def redact(text: str) -> str:
    """The text with email addresses and phone numbers replaced by [email] and [phone]."""
    return _PHONE_CANDIDATE.sub(_phone, _EMAIL.sub(EMAIL_MARK, text))


def redact_history(history: list[dict[str, str]]) -> list[dict[str, str]]:
    """A conversation's turns with their contents redacted."""
    return [{**turn, "content": redact(turn.get("content", ""))} for turn in history]


NAME_MARK = "[name]"
DOB_MARK = "[date of birth]"
ADDRESS_MARK = "[address]"
POSTCODE_MARK = "[postcode]"
NHS_MARK = "[NHS number]"

# -- NHS numbers: ten digits, written 3-3-4, whose last digit checks the other nine -------
_NHS = re.compile(r"(?<![\w+])(\d{3})([ -]?)(\d{3})\2(\d{4})(?![\w])")
_NHS_CUE = re.compile(r"\bnhs\b[\w .:#-]{0,12}$", re.I)


def nhs_check_digit_ok(digits: str) -> bool:
    """Modulus 11, as the NHS issues them: weights 10..2 on the first nine digits."""
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return (0 if check == 11 else check) == int(digits[9])


def _is_nhs(match: re.Match[str]) -> bool:
    digits = match.group(1) + match.group(3) + match.group(4)
    cued = _NHS_CUE.search(match.string[max(0, match.start() - 20):match.start()])
    return bool(cued) or nhs_check_digit_ok(digits)


# -- postcodes: "SW1A 1AA", "ls1 4ab"; all capitals or all small letters ---------------------
_POSTCODE = re.compile(r"\b(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?|GIR) ?\d[ABD-HJLNP-UW-Z]{2}\b",
                       re.I)


def _is_postcode(match: re.Match[str]) -> bool:
    return match.group().isupper() or match.group().islower()


# -- dates of birth: a date after "DOB", "date of birth", "born (on)", "birthday" -----------
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DATE = (r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{4}-\d{2}-\d{2}|"
         rf"\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTH}(?:,?\s+\d{{4}})?|"
         rf"{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|{_MONTH}\s+\d{{4}})(?!\w)")
_DOB = re.compile(r"(\b(?:d\.?o\.?b\b\.?|date\s+of\s+birth|birth\s*date|birthday|born)"
                  r"(?:\s+(?:is|was|on|in))?\s*[:\-–]?\s*)(" + _DATE + ")", re.I)

# -- addresses: "12 High Street", and whatever follows "lives at" / "our address is" --------
_STREET = re.compile(
    r"\b\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][\w'’\-]*\s+){1,3}"
    r"(?:Street|St|Road|Rd|Lane|Ln|Avenue|Ave|Close|Drive|Dr|Way|Crescent|Cres|Place|Pl|"
    r"Court|Ct|Gardens|Gdns|Grove|Terrace|Hill|Park|Row|Square|Sq|Walk|Mews|View|Rise|"
    r"Green|Parade|Boulevard)\b\.?")
_ADDRESS_CUE = re.compile(
    r"((?i:\b(?:(?:live|lives|living|lived|reside|resides|residing|stay|stays|staying)\s+at|"
    r"address\s+is|address\s*:))\s+)"
    # An address starts with a number, a capital or "flat"; it ends at the end of the sentence
    # or before ", and", " but", " with" and the like.
    r"((?=\d|[A-Z]|(?i:flat|no\.?\s*\d))[^.;!?\n]{1,80}?)"
    r"(?=\s*(?:[.;!?\n]|$)|,?\s+(?i:and|but|so|because|which|where|who|with|since|near)\b)")

# -- names: after "my son", "called", "Mrs", or before "'s mum" -------------------------------
_WORD = r"(?:[^\W\d_]['’])?[^\W\d_][\w'’\-]*"
_NAMES = rf"({_WORD}(?:\s+{_WORD}){{0,2}})"
_KIN = (r"(?:(?:eldest|youngest|oldest|little|older|younger|middle|twin|step|foster|adopted|"
        r"grand)[- ]?)?(?:son|daughter|child|kid|boy|girl|baby|twins?|nephew|niece|grandson|"
        r"granddaughter|grandchild|brother|sister|husband|wife|partner|stepson|stepdaughter)")
_NAME_CUES = [
    re.compile(rf"((?i:\b(?:my|our|his|her|their)\s+{_KIN}),?\s+){_NAMES}"),
    re.compile(rf"((?i:\b(?:called|named|known\s+as|name\s+is|name['’]s|names\s+are)),?\s+)"
               rf"{_NAMES}"),
    re.compile(rf"(\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+){_NAMES}"),
]
_POSSESSIVE = re.compile(
    rf"()\b({_WORD})(?=['’]s\s+(?i:mum|mom|dad|mother|father|parents?|carers?|gran|grandma|"
    r"grandmother|grandad|grandfather|nan|aunt|uncle|guardian|brother|sister|teacher|class|"
    r"ehcp|ehc plan|plan|school|senco|diagnosis|needs)\b)")
#: Capitalised words that can follow those cues without being names.
NOT_NAMES = frozenset("""
    I A An The And Or But So If Is Was Has Had Who Which What When Where With From For At In
    On To Also Now Then Still Just Currently Please Year Years Reception Nursery Section Key
    Stage Mr Mrs Ms Miss Mx Dr Monday Tuesday Wednesday Thursday Friday Saturday Sunday
""".split())
#: A run of capitalised words holding one of these names a place, a service or a SEND term,
#: not a person ("called Kent County Council", "known as the Local Offer").
NOT_PEOPLE = frozenset("""
    Council County Borough City Authority Tribunal Service Services Trust Hospital Centre
    School Schools Academy College Nursery Primary Secondary Church Department Office Team
    Partnership Federation Panel Education Educational Health Care Support Plan Needs Special
    Disability Disabilities Act Code Practice Regulations Review Annual Assessment Provision
    Information Advice Local Offer
""".split())
_POSSESSIVE_S = re.compile(r"['’]s$")


def _is_name(word: str) -> bool:
    bare = _POSSESSIVE_S.sub("", word)
    core = bare[2:] if re.match(r"[^\W\d_]['’]", bare) else bare  # O'Neill, D'Souza
    return (len(core) > 1 and core[0].isupper() and core[1].islower()
            and bare not in NOT_NAMES)


#: What was taken out of a text: (the words, the mark put in their place).
Found = list[tuple[str, str]]


def _names(match: re.Match[str], found: Found) -> str:
    """The cue kept, then [name] for the capitalised words after it that look like names."""
    cue, run = match.group(1), match.group(2)
    spans = [(w.group(), w.end()) for w in re.finditer(r"\S+", run)]
    if any(_POSSESSIVE_S.sub("", w) in NOT_PEOPLE for w, _ in spans):
        return match.group()
    taken = 0
    while taken < len(spans) and _is_name(spans[taken][0]):
        taken += 1
    if not taken:
        return match.group()
    last, end = spans[taken - 1]
    if _POSSESSIVE_S.search(last):
        end -= 2  # keep the "'s" of "Jack's mum"
    found.append((run[:end], NAME_MARK))
    return cue + NAME_MARK + run[end:]


def _replace(pattern: re.Pattern[str], text: str, mark: str, found: Found,
             when: Callable[[re.Match[str]], bool] = lambda m: True, group: int = 0) -> str:
    """Each match of `pattern` (or its `group`, the cue before it kept) replaced by `mark`."""
    def one(m: re.Match[str]) -> str:
        if not when(m):
            return m.group()
        found.append((m.group(group), mark))
        return m.group()[:m.start(group) - m.start()] + mark + m.group()[m.end(group) - m.start():]
    return pattern.sub(one, text)


def redact_personal(text: str, found: Found | None = None) -> str:
    """The text with contact details, NHS numbers, postcodes, dates of birth, addresses and
    names replaced by marks ([email], [NHS number], [postcode], [date of birth], [address],
    [name]); what was taken out is added to `found`. For logs: ordinary SEND wording
    (section F, reg 5(1), Year 9, 15 February) is left as it is."""
    found = [] if found is None else found
    text = _replace(_EMAIL, text, EMAIL_MARK, found)
    text = _replace(_NHS, text, NHS_MARK, found, _is_nhs)
    text = _replace(_PHONE_CANDIDATE, text, PHONE_MARK, found,
                    lambda m: sum(ch.isdigit() for ch in m.group()) in PHONE_DIGITS)
    text = _replace(_POSTCODE, text, POSTCODE_MARK, found, _is_postcode)
    text = _replace(_DOB, text, DOB_MARK, found, group=2)
    text = _replace(_ADDRESS_CUE, text, ADDRESS_MARK, found, group=2)
    text = _replace(_STREET, text, ADDRESS_MARK, found)
    for cue in [*_NAME_CUES, _POSSESSIVE]:
        text = cue.sub(lambda m: _names(m, found), text)
    return text


_MONTHS = ("January February March April May June July August September October November "
           "December").split()


def _date_as_written(text: str) -> str | None:
    """A date of birth as the engine writes dates ("3 April 2015"), if it can be read: d/m/y
    the UK way, year-month-day, or day and month name."""
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    month_name = next((i for i, m in enumerate(_MONTHS, 1) if m[:3].lower() in text.lower()),
                      None)
    if month_name and len(numbers) == 2:
        day, year = (numbers if numbers[0] <= 31 else numbers[::-1])
        month = month_name
    elif len(numbers) == 3:
        day, month, year = numbers if numbers[0] <= 31 else numbers[::-1]
    else:
        return None
    year += 2000 if year < 100 else 0
    return f"{day} {_MONTHS[month - 1]} {year}" if 1 <= month <= 12 and 1 <= day <= 31 else None


def redact_echoes(text: str, found: Found) -> str:
    """`text` (an answer) redacted, and every detail `found` in the question that it repeats
    replaced by its mark: a name word by word, a date of birth also as the engine writes
    dates (an answer may count a deadline from it)."""
    echoes: dict[str, str] = {}
    for secret, mark in found:
        echoes[secret] = mark
        if mark == NAME_MARK:
            echoes.update({word: mark for word in secret.split() if len(word) > 1})
        written = _date_as_written(secret) if mark == DOB_MARK else None
        if written:
            echoes[written] = mark
    for secret in sorted(echoes, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(secret)}(?!\w)", echoes[secret], text)
    return redact_personal(text)

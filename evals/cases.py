"""Eval cases: load a versioned YAML file, check every case, compile its regexes once.

The file looks like this (regexes are Python `re`, matched case-insensitively)::

    version: 1
    cases:
      - id: la-decision-deadline
        question: "How long does the council have to decide whether to assess my son?"
        history:                      # optional earlier turns
          - {role: user, content: "What is an EHC needs assessment?"}
        expect:
          facts: [["\\b(6|six)[- ]weeks?\\b"]]  # each inner list: one regex must match the text
          absent: ["\\b20 weeks to decide"]     # no regex here may match the text
          cites: ["9\\.14"]                     # each must match a citation's title or authority
          outcome: answer                       # answer | not_found | out_of_scope | safeguarding
          lead: ["\\b6 weeks\\b"]             # each must match the reply's first sentence
          polarity: yes                         # yes | no: the word the reply must open with
          card: assessment-decision-time        # the answer card (or a list of equally right
                                                # cards) that should answer it
        tags: [deadline, ehcp]

The reply's first sentence (its *lead*) is read past an opening "Yes." or "No.": in "Yes. You
can appeal. [1]" it is "Yes. You can appeal." A reply whose opening word disagrees with
`polarity` is a contradiction.

Every problem in the file is collected and reported at once, each naming its case and field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import SendAssistantError
from assistant.types import ANSWER_KINDS

SCHEMA_VERSION = 1
ROLES = ("user", "assistant")
_TOP_KEYS = ("version", "cases")
_CASE_KEYS = ("id", "question", "history", "expect", "tags")
_EXPECT_KEYS = ("facts", "absent", "cites", "outcome", "lead", "polarity", "card")
POLARITIES = ("yes", "no")
_TURN_KEYS = ("role", "content")


class CasesError(SendAssistantError):
    """The eval cases file cannot be used; the message lists every problem found."""


@dataclass(frozen=True)
class Turn:
    role: str
    content: str


@dataclass(frozen=True)
class Expect:
    """What a good reply looks like. Patterns are compiled case-insensitive."""

    facts: tuple[tuple[re.Pattern[str], ...], ...] = ()
    absent: tuple[re.Pattern[str], ...] = ()
    cites: tuple[re.Pattern[str], ...] = ()
    outcome: str = "answer"
    lead: tuple[re.Pattern[str], ...] = ()
    polarity: str | None = None
    card: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The expectation as plain strings, for reports."""
        out: dict[str, Any] = {
            "facts": [[p.pattern for p in alts] for alts in self.facts],
            "absent": [p.pattern for p in self.absent],
            "cites": [p.pattern for p in self.cites],
            "outcome": self.outcome,
        }
        if self.lead:
            out["lead"] = [p.pattern for p in self.lead]
        if self.polarity:
            out["polarity"] = self.polarity
        if self.card:
            out["card"] = list(self.card)
        return out


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    history: tuple[Turn, ...] = ()
    expect: Expect = field(default_factory=Expect)
    tags: tuple[str, ...] = ()


def load_cases(path: str | Path) -> list[Case]:
    """Read and validate a cases file; raise `CasesError` naming every bad case and field."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CasesError(f"Cannot read eval cases file {path}: {exc.strerror or exc}.") from exc
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise CasesError(f"{path} is not valid YAML: {exc}") from exc
    return parse_cases(data, source=str(path))


def parse_cases(data: Any, source: str = "eval cases") -> list[Case]:
    """Validate already-parsed YAML data (see the module docstring for its shape)."""
    problems: list[str] = []
    cases: list[Case] = []
    if not isinstance(data, Mapping):
        problems.append("the file must be a mapping with keys 'version' and 'cases'")
    else:
        problems += _unknown_keys("the file", data, _TOP_KEYS)
        if data.get("version") != SCHEMA_VERSION:
            problems.append(f"version must be {SCHEMA_VERSION}, got {data.get('version')!r}")
        raw_cases = data.get("cases")
        if not isinstance(raw_cases, list) or not raw_cases:
            problems.append("'cases' must be a non-empty list")
        else:
            cases = _parse_all(raw_cases, problems)
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        noun = "problem" if len(problems) == 1 else "problems"
        raise CasesError(f"{len(problems)} {noun} in {source}; fix them and run again:\n{lines}")
    return cases


def _parse_all(raw_cases: list[Any], problems: list[str]) -> list[Case]:
    cases: list[Case] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_cases):
        case_id = raw.get("id") if isinstance(raw, Mapping) else None
        if isinstance(case_id, str) and case_id.strip():
            if case_id in seen:
                problems.append(f"duplicate id {case_id!r} (case #{i + 1})")
            seen.add(case_id)
        case = _parse_case(i, raw, problems)
        if case is not None:
            cases.append(case)
    return cases


def _parse_case(index: int, raw: Any, problems: list[str]) -> Case | None:
    if not isinstance(raw, Mapping):
        problems.append(f"case #{index + 1}: must be a mapping, got {type(raw).__name__}")
        return None
    case_id = raw.get("id")
    if isinstance(case_id, str) and case_id.strip():
        where = f"case {case_id!r}"
    else:
        where = f"case #{index + 1}"
        problems.append(f"{where}: id is missing; give every case a unique string id")
        case_id = ""
    before = len(problems)
    problems += _unknown_keys(where, raw, _CASE_KEYS)

    question = raw.get("question")
    if not isinstance(question, str) or not question.strip():
        problems.append(f"{where}: question is missing or empty")
        question = ""
    history = _parse_history(where, raw.get("history"), problems)
    expect = _parse_expect(where, raw.get("expect"), problems)
    tags = _parse_strings(where, "tags", raw.get("tags"), problems)

    if len(problems) > before or not case_id:
        return None
    return Case(id=case_id, question=question, history=history, expect=expect, tags=tags)


def _parse_history(where: str, raw: Any, problems: list[str]) -> tuple[Turn, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(f"{where}: history must be a list of {{role, content}} turns")
        return ()
    turns: list[Turn] = []
    for i, turn in enumerate(raw):
        name = f"history[{i}]"
        if not isinstance(turn, Mapping):
            problems.append(f"{where}: {name} must be a mapping with role and content")
            continue
        problems += _unknown_keys(f"{where}: {name}", turn, _TURN_KEYS)
        role, content = turn.get("role"), turn.get("content")
        if role not in ROLES:
            problems.append(f"{where}: {name}.role must be user or assistant, got {role!r}")
        if not isinstance(content, str):
            problems.append(f"{where}: {name}.content must be a string")
        if role in ROLES and isinstance(content, str):
            turns.append(Turn(role=str(role), content=content))
    return tuple(turns)


def _parse_expect(where: str, raw: Any, problems: list[str]) -> Expect:
    if raw is None:
        return Expect()
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: expect must be a mapping")
        return Expect()
    problems += _unknown_keys(f"{where}: expect", raw, _EXPECT_KEYS)

    facts: list[tuple[re.Pattern[str], ...]] = []
    raw_facts = raw.get("facts") or []
    if not isinstance(raw_facts, list):
        problems.append(f"{where}: expect.facts must be a list of lists of regexes")
        raw_facts = []
    for i, alts in enumerate(raw_facts):
        if not isinstance(alts, list) or not alts:
            problems.append(
                f"{where}: expect.facts[{i}] must be a non-empty list of regexes "
                '(write ["a|b"] for a single pattern)'
            )
            continue
        facts.append(tuple(_compile_all(where, f"expect.facts[{i}]", alts, problems)))

    absent = _compile_list(where, "expect.absent", raw.get("absent"), problems)
    cites = _compile_list(where, "expect.cites", raw.get("cites"), problems)

    lead = _compile_list(where, "expect.lead", raw.get("lead"), problems)

    outcome = raw.get("outcome", "answer")
    if outcome not in ANSWER_KINDS:
        problems.append(f"{where}: outcome must be one of {', '.join(ANSWER_KINDS)}")
        outcome = "answer"
    polarity = raw.get("polarity")
    if isinstance(polarity, bool):  # YAML reads a bare yes/no as a boolean
        polarity = "yes" if polarity else "no"
    if polarity is not None and polarity not in POLARITIES:
        problems.append(f"{where}: expect.polarity must be yes or no")
        polarity = None
    raw_card = raw.get("card")
    card = [raw_card] if isinstance(raw_card, str) else raw_card
    if card is not None and (not isinstance(card, list) or not card
                             or not all(isinstance(c, str) and c.strip() for c in card)):
        problems.append(f"{where}: expect.card must be a card id or a list of them")
        card = None
    return Expect(facts=tuple(facts), absent=absent, cites=cites, outcome=str(outcome),
                  lead=lead, polarity=polarity, card=tuple(card or ()))


def _compile_list(
    where: str, name: str, raw: Any, problems: list[str]
) -> tuple[re.Pattern[str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(f"{where}: {name} must be a list of regexes")
        return ()
    return tuple(_compile_all(where, name, raw, problems))


def _compile_all(
    where: str, name: str, raw: Sequence[Any], problems: list[str]
) -> list[re.Pattern[str]]:
    out: list[re.Pattern[str]] = []
    for j, pattern in enumerate(raw):
        label = f"{name}[{j}]"
        if not isinstance(pattern, str) or not pattern:
            problems.append(f"{where}: {label} must be a non-empty string regex")
            continue
        try:
            out.append(re.compile(pattern, re.IGNORECASE))
        except re.error as exc:
            problems.append(f"{where}: {label} is not a valid regex: {exc}")
    return out


def _parse_strings(where: str, name: str, raw: Any, problems: list[str]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(s, str) and s for s in raw):
        problems.append(f"{where}: {name} must be a list of non-empty strings")
        return ()
    return tuple(raw)


def _unknown_keys(where: str, raw: Mapping[Any, Any], allowed: Sequence[str]) -> list[str]:
    unknown = [k for k in raw if k not in allowed]
    if not unknown:
        return []
    names = ", ".join(repr(k) for k in unknown)
    return [f"{where}: unknown key(s) {names}; allowed: {', '.join(allowed)}"]

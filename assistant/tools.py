"""The deterministic tools the engine calls when a question fits one: the statutory deadline
calculator and the model letters.

A retrieved passage says "6 weeks"; a parent who sent the request on 3 March needs the date.
These tools work it out (or fill the letter) with no model in the loop, and their answers cite
the corpus note that states the rule, like any other answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from assistant import deadlines as dl
from assistant.letters import Letter, LetterTemplate, fill, match_letter
from assistant.text import sentences
from assistant.types import Chunk, Citation

History = Sequence[Mapping[str, str]]

#: What a question is about, tried in this order (the first that matches wins).
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.I)) for kind, pattern in (
        ("appeal", r"\bappeal\w*|\btribunal\b|\bmediation certificate\b|\bcertificate\b"),
        ("draft-comments", r"\bdraft\b"),
        ("phase-transfer-post16",
         r"\b(?:start\w*|mov\w*|transfer\w*|go(?:es|ing)?)\b[^.?!]*\b(?:college|sixth form|"
         r"post[- ]?16|further education)\b|\bpost[- ]?16 (?:move|transfer)"),
        ("phase-transfer",
         r"\b(?:start\w*|mov\w*|transfer\w*|go(?:es|ing)?)\b[^.?!]*\b(?:secondary|reception|"
         r"junior school|middle school|primary school|infant school|big school)\b|"
         r"\bphase transfer\b"),
        ("review-decision",
         r"\b(?:annual )?review meeting\b|\bafter (?:the|his|her|their|an?|my \w+'s) "
         r"(?:annual )?review\b|\b(?:annual )?review (?:was|took place|happened|held)\b"),
        ("next-review",
         r"\bnext (?:annual )?review\b|\breview (?:is )?due\b|\b(?:plan|ehcp) (?:was )?"
         r"(?:issued|finalised|made|dated)\b"),
        ("final-plan", r"\bfinal (?:ehc |ehcp )?plan\b|\b(?:20|twenty) weeks\b"),
        ("plan-decision", r"\b(?:16|sixteen) weeks\b|\b(?:decid\w*|decision) (?:not )?"
                          r"(?:whether )?to issue\b"),
        ("assessment-decision",
         r"\b(?:request\w*|asked for|applied|application)\b|\b(?:sent|submitted|emailed|"
         r"posted)\b[^.?!]*\b(?:assess\w*|ehc\w*|council|la|local authority)\b|"
         r"\bassess\w*\b|\behcna\b"),
    )
)
#: The question asks when something is due, or whether it is late.
_ASKS_WHEN = re.compile(
    r"\bby when\b|\bdeadline\b|\bhow long\b|\bwhen (?:must|should|will|do|does|did|can|is|are|"
    r"would|has|have)\b|^\s*when\b|\btime ?limit\b|\bhow many (?:weeks|days|months)\b|\bdue\b|"
    r"\b(?:too )?late\b|\boverdue\b|\bstill (?:waiting|not|no)\b|\bhaven'?t heard\b|"
    r"\bnot heard\b|\bheard nothing\b|\bno (?:answer|decision|reply|response)\b|"
    r"\bwhat date\b|\bwork out\b|\bcount\b|\bdates?\b|\blast (?:day|date)\b|\blatest\b",
    re.I,
)
#: The calculator's own offer, so that a reply giving just a date continues the calculation.
OFFER_MARK = "I'll work out the dates"
#: What the date in each kind of question is the date of (for the offer).
_DATE_OF = {
    "assessment-decision": "the date the council received your request",
    "plan-decision": "the date the council received your request",
    "final-plan": "the date the council received your request",
    "draft-comments": "the date the draft plan was sent to you",
    "review-decision": "the date of the review meeting",
    "next-review": "the date the plan was issued or last reviewed",
    "phase-transfer": "the date your child moves",
    "phase-transfer-post16": "the date your child moves",
    "appeal": "the date on the decision letter (and on the mediation certificate, if you have "
              "one)",
}
#: The dates that follow from one start date, after the one asked about.
_FOLLOWING = {"assessment-decision": ("plan-decision", "final-plan"),
              "plan-decision": ("final-plan",),
              "review-decision": ("next-review",)}
#: If a date has passed and nothing happened: what a parent can do next, in plain words.
_MISSED = {
    "assessment-decision": "If you have had no decision, write to the council asking for it "
                           "and keep a copy; your local SENDIASS or IPSEA can explain the options.",
    "plan-decision": "If you have heard nothing, write to the council asking where things stand; "
                     "your local SENDIASS can help.",
    "final-plan": "If the final plan has not arrived, write to the council asking when it will "
                  "be issued; your local SENDIASS or IPSEA can explain the options.",
    "draft-comments": "If you still want to comment, send your views to the council straight "
                      "away and ask it to take them into account.",
    "review-decision": "If the council has not told you its decision, write and ask for it.",
    "next-review": "If no review has taken place, write to the council and ask when it will be "
                   "held.",
    "phase-transfer": "If the plan naming the new school has not been issued, write to the "
                      "council asking when it will be; your local SENDIASS can help.",
    "phase-transfer-post16": "If the plan naming the college has not been issued, write to the "
                             "council asking when it will be; your local SENDIASS can help.",
    "appeal": "The Tribunal can still accept a late appeal if it agrees to, so explain why it is "
              "late and ask for advice from IPSEA or your local SENDIASS quickly.",
}
_CERTIFICATE = re.compile(r"\bcertificate\b", re.I)
_DEADLINE_BEFORE = re.compile(r"\b(?:deadline|due|time limit)\b[^.?!]{0,25}$", re.I)


@dataclass
class DeadlineReply:
    """The calculator's answer: text with [n] markers, the citations and the dates worked out."""

    text: str
    citations: list[Citation]
    deadlines: list[dl.Deadline] = field(default_factory=list)


def deadline_kind(question: str, history: History = (), today: date | None = None
                  ) -> str | None:
    """The kind of deadline a question asks about, or None when it asks about none.

    A reply that gives a date ("they got it on 3 March") after the calculator's offer takes
    its kind from the question before it.
    """
    if _ASKS_WHEN.search(question):
        kind = _kind_of(question)
        if kind:
            return kind
    if history and OFFER_MARK in _last(history, "assistant") and _has_date(question, today):
        return _kind_of(question) or _kind_of(_last(history, "user"))
    return None


def _has_date(text: str, today: date | None) -> bool:
    try:
        return bool(dl.find_dates(text, today or date.today()))
    except dl.DeadlineError:  # a date that cannot be is still a date given: say so later
        return True


def _kind_of(text: str) -> str | None:
    return next((kind for kind, pattern in _KINDS if pattern.search(text)), None)


def _last(history: History, role: str) -> str:
    return next((t.get("content", "") for t in reversed(history) if t.get("role") == role), "")


def find_start(question: str, history: History, today: date
               ) -> tuple[dl.ParsedDate | None, dl.ParsedDate | None]:
    """The start date and, for an appeal, the mediation certificate's date.

    Dates come from the question first, then the user's earlier turns (latest first); never
    from the assistant's own words.
    """
    texts = [question, *(t.get("content", "") for t in reversed(history)
                         if t.get("role") == "user")]
    for text in texts:
        found = [d for d in dl.find_dates(text, today) if not _is_the_deadline(text, d)]
        if not found:
            continue
        certificate = _certificate_date(text, found) if len(found) > 1 else None
        start = next(d for d in found if d is not certificate)
        return start, certificate
    return None, None


def _is_the_deadline(text: str, parsed: dl.ParsedDate) -> bool:
    """A date given as the deadline itself ("my deadline falls on 20 August") starts nothing."""
    at = text.find(parsed.text)
    return at >= 0 and bool(_DEADLINE_BEFORE.search(text[:at]))


def _certificate_date(text: str, found: Sequence[dl.ParsedDate]) -> dl.ParsedDate | None:
    """Of several dates, the one written closest to the word "certificate" (if it is there)."""
    mentions = [m.start() for m in _CERTIFICATE.finditer(text)]
    if not mentions:
        return None

    def distance(parsed: dl.ParsedDate) -> int:
        at = text.find(parsed.text)
        return min(abs(at - m) for m in mentions) if at >= 0 else len(text)

    return min(found, key=distance)


def offer(kind: str) -> str:
    """The line added to a deadline question that gave no date."""
    return f"Tell me {_DATE_OF[kind]} and {OFFER_MARK} for you."


def deadlines_from(kind: str, start: date, today: date, certificate: date | None = None
                   ) -> list[dl.Deadline]:
    """The deadline asked about, then the ones that follow from the same start date."""
    kind = dl.resolve_kind(kind)
    asked = dl.compute(kind, start, today=today, certificate=certificate)
    return [asked, *(dl.compute(k, start, today=today) for k in _FOLLOWING.get(kind, ()))]


def deadline_reply(kind: str, start: dl.ParsedDate, today: date,
                   doc_passages: Mapping[str, Sequence[Chunk]],
                   certificate: dl.ParsedDate | None = None) -> DeadlineReply:
    """The dates that follow from `start`, leading with the one asked about, each cited."""
    asked, *following = deadlines_from(kind, start.value, today,
                                       certificate.value if certificate else None)
    citations: list[Citation] = []

    def cite(rule: dl.Rule) -> str:
        for c in citations:
            if c.doc_id == rule.doc_id and c.authorities[0] == rule.authority:
                return f"[{c.n}]"
        citations.append(rule_citation(len(citations) + 1, rule, doc_passages))
        return f"[{len(citations)}]"

    rule = asked.rule
    when = dl.format_date(asked.start)
    if kind.startswith("phase-transfer"):
        basis = f"That is {rule.period}, for a move on {when}"
    elif certificate is not None:
        basis = (f"That comes from the decision letter dated {when} and the mediation "
                 f"certificate dated {dl.format_date(certificate.value)}")
    else:
        basis = f"That is {rule.period} from {when}, {rule.starts}"
    lines = [f"{_sentence_start(rule.label)}: {dl.format_date(asked.due)}. {basis} "
             f"({rule.authority}). {cite(rule)}"]
    lines += [f"- {note}" for note in asked.notes]
    if asked.passed:
        lines.append(f"That date has passed. {_MISSED[kind]}")
    if following:
        lines.append("The dates that follow from the same start:")
        lines += [f"- {_sentence_start(d.rule.label)}: {dl.format_date(d.due)} "
                  f"({d.rule.period}, {d.rule.authority}). {cite(d.rule)}" for d in following]
    notes = [p.assumed for p in (start, certificate) if p is not None and p.assumed]
    if rule.exceptions:
        notes.append(rule.exceptions)
    lines += notes
    return DeadlineReply("\n".join(lines), citations, [asked, *following])


def _sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]


def rule_citation(n: int, rule: dl.Rule, doc_passages: Mapping[str, Sequence[Chunk]]
                  ) -> Citation:
    """A citation of the corpus note that states a rule, quoting the sentence that states it."""
    chunks = sorted(doc_passages.get(rule.doc_id, ()), key=lambda c: c.position)
    quote, section, title, url, authorities = "", "", rule.doc_id, "", [rule.authority]
    if chunks:
        title, url = chunks[0].title, chunks[0].url
        period = rule.period.split(" (")[0]
        found = [(c, s) for c in chunks for s in sentences(c.text)
                 if period.lower() in s.lower()]
        best = next(((c, s) for c, s in found if rule.authority in s), None) or \
            (found[0] if found else (chunks[0], (sentences(chunks[0].text) or [""])[0]))
        section, quote = best[0].section, best[1]
        authorities += [a for a in best[0].authorities if a != rule.authority]
    return Citation(n, rule.doc_id, title, section, authorities, url, quote)


def letter_for(question: str, history: History, today: date,
               templates: Mapping[str, LetterTemplate]) -> Letter | None:
    """The model letter a question asks for, filled from what the user has typed, or None."""
    template = match_letter(question, templates)
    return fill(template, question, history, today) if template else None


def letter_citation(n: int, letter: Letter, doc_passages: Mapping[str, Sequence[Chunk]]
                    ) -> Citation:
    """A citation of the corpus note a model letter relies on."""
    t = letter.template
    chunks = sorted(doc_passages.get(t.doc_id, ()), key=lambda c: c.position)
    first = chunks[0] if chunks else None
    quote = (sentences(first.text) or [""])[0] if first else t.summary
    return Citation(n, t.doc_id, first.title if first else t.title,
                    first.section if first else "", list(t.authorities),
                    first.url if first else "", quote)


def letter_line(letter: Letter, n: int) -> str:
    """The sentence that offers a model letter in an answer."""
    return (f"A model letter you can adapt, \u201c{letter.template.title}\u201d, is ready to copy "
            f"or download as a text file or Word document; it relies on "
            f"{letter.template.authorities[0]}. [{n}]")

"""Answer cards: read from a note's front matter (`answers:`) and checked against its body.

A card is only as good as the note behind it, so every check ties the card to the note:
a point's authority must be cited in the note's text, the point must be stated in the section
that cites it, and every figure a card gives must be a figure the note gives. Problems name
the card, so a writer knows where to look.

`python -m ingest.cards FILE...` prints every problem in the given notes (and across them:
duplicate ids or questions, `next` ids that point nowhere) and exits 1 if there are any.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from assistant.authorities import parse_authority
from assistant.forms import is_yes_no, opening_word, without_opening
from assistant.text import sentences, terms
from assistant.types import Card, Point

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MIN_ALSO = 4
MAX_POINTS = 3
#: The direct answer, after any opening Yes or No, is at most this many sentences.
MAX_ANSWER_SENTENCES = 2
#: Share of a point's content words that the section citing its authority must contain. Chosen
#: so that a point written from its section in other words passes, and a point about something
#: the section does not say fails (checked on the 64 original notes' cards when written).
MIN_POINT_SUPPORT = 0.6
_FIGURE = re.compile(r"£?\d[\d,.]*(?:\s*(?:%|per cent))?")
_HEADING = re.compile(r"^#{2,6}\s+(.*)$", re.M)


class CardError(ValueError):
    """Cards that do not fit the schema or their note; the message names every card at fault."""


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9£]+", text.lower()))


def sections(body: str) -> list[str]:
    """The note's body cut at its headings, each section with its heading line."""
    starts = [m.start() for m in _HEADING.finditer(body)]
    if not starts or starts[0] != 0:
        starts = [0, *starts]
    return [body[a:b] for a, b in zip(starts, [*starts[1:], len(body)], strict=True)
            if body[a:b].strip()]


def _figures(text: str) -> set[str]:
    return {f.rstrip(".,").replace(",", "") for f in _FIGURE.findall(text)}


def support(point: str, section: str) -> float:
    """Share of the point's content words found in the section."""
    own = set(terms(point))
    return len(own & set(terms(section))) / len(own) if own else 0.0


def parse_cards(raw: Any, doc_id: str, body: str, authorities: Sequence[str] = ()
                ) -> list[Card]:
    """The cards of one note; CardError listing every problem (each naming its card)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise CardError("answers must be a list of cards")
    problems: list[str] = []
    cards: list[Card] = []
    parts = sections(body)
    body_figures = _figures(body)
    seen: set[str] = set()
    for i, item in enumerate(raw):
        label = f"card {(item.get('id') if isinstance(item, dict) else None) or f'#{i + 1}'}"
        if not isinstance(item, dict):
            problems.append(f"{label}: must be a mapping with id, q, also, answer, points, next")
            continue
        unknown = sorted(set(item) - {"id", "q", "also", "answer", "points", "next"})
        if unknown:
            problems.append(f"{label}: unknown field(s) {', '.join(unknown)}")
        card_id = item.get("id")
        if not isinstance(card_id, str) or not SLUG.match(card_id):
            problems.append(f"{label}: id must be a lowercase slug")
            card_id = ""
        elif card_id in seen:
            problems.append(f"{label}: id is used twice in this note")
        seen.add(str(card_id))
        q = item.get("q")
        if not isinstance(q, str) or not q.strip().endswith("?"):
            problems.append(f"{label}: q must be the canonical question, ending with '?'")
            q = ""
        also = item.get("also")
        if not isinstance(also, list) or not all(isinstance(a, str) and a.strip() for a in also):
            problems.append(f"{label}: also must be a list of other wordings")
            also = []
        if len(also) < MIN_ALSO:
            problems.append(f"{label}: also needs at least {MIN_ALSO} wordings, has {len(also)}")
        normed = [_norm(a) for a in also]
        if _norm(q) in normed:
            problems.append(f"{label}: an also wording repeats q")
        if len(set(normed)) < len(normed):
            problems.append(f"{label}: two also wordings are the same")
        answer = item.get("answer")
        if not isinstance(answer, str) or not answer.strip():
            problems.append(f"{label}: answer must be the direct answer, in one or two sentences")
            answer = ""
        else:
            problems += _check_answer(label, q, answer.strip())
        points = _parse_points(label, item.get("points"), parts, authorities, problems)
        nxt = item.get("next") or []
        if not isinstance(nxt, list) or not all(isinstance(n, str) and SLUG.match(n)
                                                 for n in nxt):
            problems.append(f"{label}: next must be a list of card ids")
            nxt = []
        if card_id in nxt:
            problems.append(f"{label}: next names the card itself")
        for text in [answer, *(p.text for p in points)]:
            missing = sorted(_figures(text) - body_figures)
            if missing:
                problems.append(f"{label}: gives figure(s) {', '.join(missing)} that the note's "
                                "text does not state")
        cards.append(Card(str(card_id), doc_id, str(q).strip(),
                          tuple(a.strip() for a in also), str(answer).strip(), tuple(points),
                          tuple(nxt)))
    if problems:
        raise CardError("; ".join(problems))
    return cards


def _check_answer(label: str, q: str, answer: str) -> list[str]:
    out = []
    word = opening_word(answer)
    if q and is_yes_no(q) and word is None:
        out.append(f"{label}: q asks for a yes or no, so the answer must open with Yes or No")
    if q and word is not None and not is_yes_no(q):
        out.append(f"{label}: the answer opens with {word.title()} but q does not ask for a "
                   "yes or no")
    statement = without_opening(answer) if word else answer
    if word and statement == answer:
        out.append(f"{label}: after its {word.title()} the answer must say why, in a sentence")
    if len(sentences(statement)) > MAX_ANSWER_SENTENCES:
        out.append(f"{label}: the answer must be at most {MAX_ANSWER_SENTENCES} sentences after "
                   "any Yes or No")
    return out


def _parse_points(label: str, raw: Any, parts: Sequence[str], authorities: Sequence[str],
                  problems: list[str]) -> list[Point]:
    if not isinstance(raw, list) or not raw:
        problems.append(f"{label}: points must list 1 to {MAX_POINTS} {{text, authority}}")
        return []
    if len(raw) > MAX_POINTS:
        problems.append(f"{label}: at most {MAX_POINTS} points, has {len(raw)}")
    out = []
    for j, p in enumerate(raw):
        where = f"{label}: points[{j}]"
        if not isinstance(p, dict) or not isinstance(p.get("text"), str) \
                or not isinstance(p.get("authority"), str):
            problems.append(f"{where} must be {{text, authority}}")
            continue
        text, authority = p["text"].strip(), p["authority"].strip()
        try:
            parse_authority(authority)
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
            continue
        citing = [s for s in parts if authority in s]
        if not citing:
            problems.append(f"{where}: the note's text never cites {authority!r}")
            continue
        if authorities and authority not in authorities:
            problems.append(f"{where}: {authority!r} is not in the note's authorities list")
        best = max(support(text, s) for s in citing)
        if best < MIN_POINT_SUPPORT:
            problems.append(f"{where}: no section citing {authority!r} states this point "
                            f"(word overlap {best:.0%}, needs {MIN_POINT_SUPPORT:.0%}); write "
                            "it from that section's own statements")
        out.append(Point(text, authority))
    return out


def check_corpus(cards: Iterable[Card]) -> list[str]:
    """Problems across notes: ids or canonical questions used twice, `next` ids unknown."""
    cards = list(cards)
    problems: list[str] = []
    owner: dict[str, str] = {}
    questions: dict[str, str] = {}
    for c in cards:
        if c.id in owner and owner[c.id] != c.doc_id:
            problems.append(f"card {c.id}: id is also used in {owner[c.id]}")
        owner.setdefault(c.id, c.doc_id)
        key = _norm(c.q)
        if key in questions and questions[key] != c.id:
            problems.append(f"card {c.id}: same question as card {questions[key]}")
        questions.setdefault(key, c.id)
    for c in cards:
        for n in c.next:
            if n not in owner:
                problems.append(f"card {c.id}: next names {n!r}, which is no card")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    from ingest.frontmatter import FrontMatterError, split_front_matter, validate_note

    paths = [Path(a) for a in (argv if argv is not None else sys.argv[1:])]
    problems: list[str] = []
    every: list[Card] = []
    for path in paths:
        try:
            data, body = split_front_matter(path.read_text(encoding="utf-8"))
            if data is None:
                problems.append(f"{path}: no front matter")
                continue
            meta = validate_note(data, expected_id=path.stem, body=body)
            every += meta.cards
        except (FrontMatterError, CardError, OSError) as exc:
            problems.append(f"{path}: {exc}")
    problems += check_corpus(every)
    for p in problems:
        print(p)
    print(f"{len(paths)} notes, {len(every)} cards, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

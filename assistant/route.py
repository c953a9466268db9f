"""Route a read question to the kind of reply it gets: the deadline calculator, an answer card,
a topic the guidance deliberately leaves to others, the closest passages, off topic, or not found.

Every decision is a comparison with a knob (`data/knobs.yaml`), and every score it compared is
kept in `Route.trace`, so `send-assistant eval --sweep NAME` can replay the decision at other
values without asking again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from assistant.cards import CardIndex, CardMatch
from assistant.forms import is_conditional, opening_word
from assistant.knobs import Knobs
from assistant.not_covered import NotCovered, TopicMatch
from assistant.query import Query
from assistant.retrieve import HybridRetriever, Retrieval
from assistant.types import Card

RouteKind = Literal["deadline", "card", "not_covered", "closest", "off_topic", "not_found"]


@dataclass
class Route:
    kind: RouteKind
    retrieval: Retrieval
    card: CardMatch | None = None
    second: CardMatch | None = None  # the card for a second question in the same message
    keep_yes_no: bool = False
    topic: TopicMatch | None = None
    trace: dict[str, Any] = field(default_factory=dict)


def keeps_yes_no(q: Query, best: CardMatch, rivals: list[CardMatch], knobs: Knobs,
                 cards: CardIndex) -> bool:
    """Whether the card's own Yes or No may open the reply.

    Only when the question asks for one; is close in meaning to the card wording it matched;
    asks nothing the card's wordings leave out ("…because of his behaviour?"), while the
    message says what the wording is particular about ("…for a child under 5?"); is put the same
    way round, asks about the same right or duty, of the same person (see `forms.Frame`); and
    no card with the other opening word scores within the margin. A conditional opening ("Yes,
    but only if…") is never shown alone.
    Withholding the word is always safe: the reply still opens with the card's statement.
    """
    word = opening_word(best.card.answer)
    if word is None or not q.focus or is_conditional(best.card.answer):
        return False
    i = q.view_focus[best.view]
    if not q.focus_yes_no[i] or best.dense < knobs.yes_no_min_similarity:
        return False
    if cards.coverage(best.card.id, q.focus[i]) < knobs.yes_no_min_coverage:
        return False
    if cards.specificity(best.wording, q.corrected) < knobs.yes_no_min_specificity:
        return False
    # The asking sentence says which way round; the sentence before it may say who is asked.
    if not q.focus_frames[i].filled_from(q.frames[best.view]).agrees(best.frame):
        return False
    margin = knobs.yes_no_margin
    return not any(
        opening_word(r.card.answer) not in (None, word) and best.score - r.score < margin
        for r in rivals if r.card.id != best.card.id)


class Router:
    def __init__(self, cards: CardIndex, retriever: HybridRetriever, not_covered: NotCovered,
                 knobs: Knobs) -> None:
        self.cards = cards
        self.retriever = retriever
        self.not_covered = not_covered
        self.knobs = knobs

    def match_cards(self, q: Query) -> list[CardMatch]:
        k = self.knobs
        bonus: dict[str, float] = {}
        exclude: frozenset[str] = frozenset()
        if q.follow_up:
            previous = self.previous_card(q)
            if previous:
                bonus = {n: k.follow_up_bonus for n in previous.next}
                exclude = frozenset({previous.id})  # a follow-up asks something new
        return self.cards.match(q.views, q.vectors, k.card_lexical_weight, k.card_centre_weight,
                                bonus, exclude)

    def previous_card(self, q: Query) -> Card | None:
        """The card the previous turn was answered from: named by its "Answering:" line, or
        else the card its question matches as confidently as a card reply needs."""
        follow = q.follow_up
        if follow is None:
            return None
        if follow.card:
            return self.cards.get(follow.card)
        if not follow.vector:
            return None
        k = self.knobs
        found = self.cards.match([follow.question], [list(follow.vector)],
                                 k.card_lexical_weight, k.card_centre_weight, k=1)
        return found[0].card if found and found[0].score >= k.card_threshold else None

    def route(self, q: Query) -> Route:
        k = self.knobs
        retrieval = self.retriever.search(q.search, q.search_vector)
        matches = self.match_cards(q)
        best = matches[0] if matches else None
        topic = self.not_covered.match(q.vectors)
        trace: dict[str, Any] = {
            "cards": [{"id": m.card.id, "score": round(m.score, 4), "dense": round(m.dense, 4),
                       "opening": opening_word(m.card.answer), "view": m.view}
                      for m in matches],
            "topic": topic.topic.id if topic else None,
            "topic_score": round(topic.score, 4) if topic else 0.0,
            "passage_dense": round(retrieval.best_dense, 4),
            "send_words": q.send_words,
            "follow_up": bool(q.follow_up),
            "yes_no": q.yes_no,
        }
        route = Route("not_found", retrieval, trace=trace, topic=topic)
        if q.deadline_kind and q.start is not None:
            route.kind = "deadline"
        elif topic and topic.score >= k.not_covered_threshold and (
                best is None or topic.score > best.dense):
            route.kind = "not_covered"
        elif best and best.score >= k.card_threshold:
            route.kind, route.card = "card", best
            route.keep_yes_no = keeps_yes_no(q, best, matches[1:], k, self.cards)
            route.second = next(
                (m for m in matches if len(q.focus) > 1 and m.view != best.view
                 and q.view_focus[m.view] != q.view_focus[best.view]
                 and m.card.id != best.card.id and m.score >= k.card_threshold), None)
        elif retrieval.passages and retrieval.best_dense >= k.closest_threshold:
            route.kind = "closest"
        elif (q.send_words == 0 and not q.follow_up and retrieval.best_dense < k.off_topic_threshold
              and (best is None or best.dense < k.off_topic_threshold)):
            route.kind = "off_topic"
        trace["route"] = route.kind
        trace["keep_yes_no"] = route.keep_yes_no
        return route

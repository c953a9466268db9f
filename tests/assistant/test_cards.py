"""Matching a question to answer cards, and when a card's Yes or No may be shown."""

from __future__ import annotations

import numpy as np

from assistant.cards import CardIndex, CardMatch, card_payload
from assistant.forms import frame, is_yes_no
from assistant.knobs import default_knobs
from assistant.route import keeps_yes_no
from assistant.types import Card, Chunk, Point
from tests.conftest import FakeEmbedder

POINT = (Point("The council must decide within 6 weeks.", "SEND Regulations 2014, reg 5(1)"),)
CARDS = [
    Card("appeal", "a", "Can I appeal a refusal to assess?",
         ("can i challenge the council saying no to assessing", "is there an appeal if they "
          "refuse to assess", "LA refused EHCNA, can we go to tribunal", "what if the council "
          "won't assess, can I appeal"), "Yes. You can appeal a refusal to assess.", POINT),
    Card("deadline", "a", "How long does the council have to decide whether to assess?",
         ("how many weeks to decide on assessing", "when must the council decide on an "
          "assessment request", "time limit for the decision to assess", "deadline for the "
          "council's assessment decision"), "The council must decide within 6 weeks.", POINT),
    Card("refuse-medicine", "b", "Can the school refuse to give my child their medicine?",
         ("school won't give my son his medicine, can they refuse", "is the school allowed "
          "to refuse medicine", "can staff refuse to give prescribed medication",
          "school refusing medicine, allowed?"),
         "No. A school cannot simply refuse to give a prescribed medicine.", POINT),
]


def index(embedder: FakeEmbedder) -> CardIndex:
    records = []
    for c in CARDS:
        for i, w in enumerate(c.wordings):
            chunk = Chunk(id=f"{c.id}-{i}", text=w, doc_id=c.doc_id, title="T", kind="card",
                          parent=c.id, payload=card_payload(c), position=i)
            records.append((chunk, embedder.embed_query(w)))
    return CardIndex(records)


def test_cards_come_back_whole_from_their_records() -> None:
    ci = index(FakeEmbedder())
    assert ci.get("appeal") == CARDS[0]
    assert ci.by_question[CARDS[1].q].id == "deadline"
    assert len(ci) == 3 and ci.matrix.shape == (15, FakeEmbedder.dim)


def test_the_best_card_is_the_one_whose_wordings_are_closest() -> None:
    e = FakeEmbedder()
    ci = index(e)
    view = "council refused to assess my son can i appeal"
    [best, *rest] = ci.match([view], [e.embed_query(view)], lexical_weight=0.1,
                             centre_weight=0.5)
    assert best.card.id == "appeal" and best.score > rest[0].score
    bonus = ci.match([view], [e.embed_query(view)], 0.1, 0.5, bonus={"deadline": 5.0})
    assert bonus[0].card.id == "deadline"  # a follow-up's next cards come first
    excluded = ci.match([view], [e.embed_query(view)], 0.1, 0.5,
                        exclude=frozenset({"appeal"}))
    assert "appeal" not in {m.card.id for m in excluded}


def test_coverage_and_specificity_read_the_words_the_card_and_question_share() -> None:
    ci = index(FakeEmbedder())
    assert ci.coverage("refuse-medicine", "can the school refuse his medicine") == 1.0
    assert ci.coverage("refuse-medicine", "can the school refuse his medicine because of "
                       "his behaviour") < 0.8
    assert ci.specificity("is the school allowed to refuse medicine",
                          "can the school refuse medicine?") > ci.specificity(
        "is the school allowed to refuse medicine", "can the school refuse?")


class _Query:
    """Just what `keeps_yes_no` reads of a Query."""

    def __init__(self, text: str) -> None:
        self.focus = [text]
        self.view_focus = [0]
        self.frames = self.focus_frames = [frame(text)]
        self.focus_yes_no = [is_yes_no(text)]
        self.text = self.corrected = text


def _match(card: Card, wording: str, score: float = 0.9) -> CardMatch:
    return CardMatch(card, score, score, wording, 0, frame(wording))


def test_a_yes_or_no_is_kept_only_for_the_same_question_put_the_same_way() -> None:
    ci, k = index(FakeEmbedder()), default_knobs()
    card = CARDS[2]
    same = _Query("Can the school refuse to give my son his medicine?")
    assert keeps_yes_no(same, _match(card, card.q), [], k, ci)  # type: ignore[arg-type]
    turned = _Query("Does the school have to give my son his medicine?")
    assert not keeps_yes_no(turned, _match(card, card.q), [], k, ci)  # type: ignore[arg-type]
    what = _Query("What happens if the school refuses his medicine?")
    assert not keeps_yes_no(what, _match(card, card.q), [], k, ci)  # type: ignore[arg-type]
    far = _Query("Can the school refuse to give my son his medicine?")
    weak = _match(card, card.q, score=k.yes_no_min_similarity - 0.01)
    assert not keeps_yes_no(far, weak, [], k, ci)  # type: ignore[arg-type]
    # A close rival card that opens the other way: the word is not safe to show; a distant
    # one changes nothing.
    rival = _match(CARDS[0], CARDS[0].q, 0.9 - k.yes_no_margin - 0.05)  # well below
    other = Card("x", "b", "Must the school give it?", CARDS[0].also, "Yes. It must.", POINT)
    assert not keeps_yes_no(same, _match(card, card.q, 0.9), [  # type: ignore[arg-type]
        _match(other, other.q, 0.9 - k.yes_no_margin / 2)], k, ci)
    assert keeps_yes_no(same, _match(card, card.q), [rival], k, ci)  # type: ignore[arg-type]


def test_centres_are_unit_vectors() -> None:
    ci = index(FakeEmbedder())
    assert np.allclose(np.linalg.norm(ci._centres, axis=1), 1.0)

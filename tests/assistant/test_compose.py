"""The grounded composer: a card's own answer first, its points cited to the passages that
state them, the question it answers; or, with no card, the closest passages whole."""

from __future__ import annotations

import re

from assistant.cards import CardMatch
from assistant.compose import NO_DIRECT_ANSWER, card_reply, closest_reply
from assistant.forms import frame
from assistant.types import Card, Chunk, Passage, Point

REG5 = "SEND Regulations 2014, reg 5(1)"
S51 = "Children and Families Act 2014, s.51"


def chunk(doc: str, pos: int, text: str, section: str = "Section") -> Chunk:
    return Chunk(id=f"{doc}-{pos}", text=text, doc_id=doc, title=f"Title of {doc}",
                 section=section, url=f"https://example.org/{doc}", position=pos)


NOTE = [
    chunk("six", 0, f"The council must decide within 6 weeks of the request ({REG5}). The "
          "6 weeks run from receipt."),
    chunk("six", 1, f"A refusal to assess can be appealed to the Tribunal ({S51}). Before "
          "appealing you must get a mediation certificate."),
]
CARD = Card("appeal-refusal", "six", "Can I appeal a refusal to assess?",
            ("a", "b", "c", "d"), "Yes. You can appeal a refusal to assess to the Tribunal.",
            (Point("A refusal to assess can be appealed to the Tribunal.", S51),
             Point("The council must decide within 6 weeks of the request.", REG5)),
            ("deadline",))
OTHER = Card("deadline", "six", "How long does the council have to decide?", ("a", "b", "c",
             "d"), "The council must decide within 6 weeks.",
             (Point("The council must decide within 6 weeks of the request.", REG5),))


def match(card: Card) -> CardMatch:
    return CardMatch(card, 0.9, 0.9, card.q, 0, frame(card.q))


def test_a_card_reply_leads_with_the_cards_own_answer_and_cites_each_point() -> None:
    out = card_reply(match(CARD), True, {"six": NOTE})
    lines = out.text.splitlines()
    assert lines[0] == CARD.answer
    assert lines[1] == "- A refusal to assess can be appealed to the Tribunal. [1]"
    assert lines[2] == "- The council must decide within 6 weeks of the request. [2]"
    assert lines[-1] == "Answering: Can I appeal a refusal to assess?"
    one, two = out.citations
    assert (one.passage_id, one.authorities[0]) == ("six-1", S51)
    assert one.quote == f"A refusal to assess can be appealed to the Tribunal ({S51})."
    assert (two.passage_id, two.authorities[0]) == ("six-0", REG5)
    assert one.passage == NOTE[1].text


def test_without_its_yes_or_no_the_card_still_states_the_answer() -> None:
    out = card_reply(match(CARD), False, {"six": NOTE})
    assert out.text.startswith("You can appeal a refusal to assess to the Tribunal.")


def test_a_second_question_gets_its_own_card_and_shares_citations() -> None:
    out = card_reply(match(CARD), True, {"six": NOTE}, second=match(OTHER))
    assert "You also asked: How long does the council have to decide?" in out.text
    assert out.text.count("[2]") == 2  # the same passage, the same number
    assert len(out.citations) == 2


def test_a_point_whose_passage_is_gone_is_left_out() -> None:
    out = card_reply(match(CARD), True, {"six": NOTE[:1]})
    assert "appealed" not in out.text.split("\n", 1)[1]
    assert [c.passage_id for c in out.citations] == ["six-0"]


def test_no_card_shows_the_closest_passages_whole_from_at_most_two_notes() -> None:
    table = "| Stage | Limit |\n|---|---|\n| Decide | 6 weeks |"
    listing = "Things the letter says:\n- the right to appeal;\n- mediation."
    passages = [Passage(chunk("a", 0, listing), 0.9, 1), Passage(chunk("b", 0, table), 0.8, 2),
                Passage(chunk("c", 0, "Other."), 0.7, 3)]
    out = closest_reply(passages)
    assert out.text.startswith(NO_DIRECT_ANSWER)
    assert listing in out.text and table in out.text  # lists and tables intact
    assert "Other." not in out.text
    assert re.findall(r"\[(\d)\]", out.text) == ["1", "2"]
    assert [c.doc_id for c in out.citations] == ["a", "b"]

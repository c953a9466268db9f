"""Safeguarding: words that say a child is at risk, phrases that hint at it, and closeness in
meaning to the risk messages rather than to ordinary text."""

from __future__ import annotations

import pytest

from assistant.knobs import default_knobs
from assistant.safeguarding import RiskBank, bank_data, pieces
from tests.conftest import FakeEmbedder

DATA = {
    "risk": {"harm-to-self": ["she wants to end her life tonight", "he cut his arms again"],
             "harm-by-others": ["bruises after staying at his uncle's house"]},
    "ordinary": ["the council missed the deadline for the plan", "he loves football"],
    "hints": bank_data()["hints"],
}


def bank(**knobs: float) -> RiskBank:
    return RiskBank(FakeEmbedder(), default_knobs().with_(**knobs), data=DATA)


def verdict(b: RiskBank, text: str):  # type: ignore[no-untyped-def]
    return b.assess(text, FakeEmbedder().embed_documents(pieces(text)))


@pytest.mark.parametrize("text", [
    "My daughter told me she wants to die and has been cutting herself",
    "my son keeps talking about suicide since the exclusion",
    "she said everyone would be better off without her",
    "he has been giving away all his games and said he won't need them",
    "my son came back from respite with bruises nobody can explain",
    "a man she met online wants to meet her alone and told her to delete their chats",
    "there is no food in the house and the kids are left alone all weekend",
])
def test_words_and_hints_say_a_child_may_be_at_risk(text: str) -> None:
    assert verdict(bank(safeguarding_threshold=9.0), text).at_risk  # the model is off


@pytest.mark.parametrize("text", [
    "How long does the council have to decide on an assessment?",
    "he kills it at football, does he still count as having SEN?",
    "the paperwork is killing me, when will the plan be final?",
    "she fell over in PE and bruised her knee",
])
def test_ordinary_questions_with_alarming_words_are_not(text: str) -> None:
    assert not verdict(bank(safeguarding_threshold=9.0), text).at_risk


def test_closeness_to_risk_messages_flags_what_words_miss() -> None:
    text = "purple bruising once he stays with his uncle"  # no hint phrase, near a risk message
    assert not verdict(bank(safeguarding_threshold=9.0), text).at_risk
    v = verdict(bank(safeguarding_threshold=0.0, safeguarding_neighbours=1), text)
    assert v.at_risk and v.harm_by_others and v.risk > 0
    ordinary = verdict(bank(safeguarding_threshold=0.0, safeguarding_neighbours=1),
                       "the council missed the deadline for the final plan")
    assert not ordinary.at_risk and ordinary.risk < 0


def test_harm_to_self_and_harm_by_others_are_told_apart() -> None:
    b = bank(safeguarding_threshold=9.0)
    assert verdict(b, "I think a member of staff is hitting my son").harm_by_others
    assert not verdict(b, "my son is self-harming again").harm_by_others


def test_a_message_is_read_sentence_by_sentence() -> None:
    assert pieces("He's 9. He has autism and an EHCP. Ok?") == ["He has autism and an EHCP.",
                                                                 "He has autism"]
    assert pieces("ok") == ["ok"]


def test_a_worry_inside_a_long_sentence_is_compared_on_its_own() -> None:
    from assistant.safeguarding import pieces
    found = pieces("my daughter can't explain things, but she's terrified of going to her "
                   "uncle's house and cries every time. can salt go in section f?")
    assert "she's terrified of going to her uncle's house" in found
    assert "can salt go in section f?" in found
    assert all(len(p.split()) >= 3 for p in found)

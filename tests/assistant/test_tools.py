"""The deadline calculator and the model letters inside answers: when they are called, what
they say, and that their answers cite the rule like any other answer."""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from typing import Any

import pytest

from assistant import deadlines as dl
from assistant import tools
from assistant.compose import DISCLAIMER
from assistant.types import Chunk

TODAY = date(2026, 11, 23)  # a Monday
OFFER_TURNS = [
    {"role": "user", "content": "How long does the council have to decide on an assessment?"},
    {"role": "assistant",
     "content": "Within 6 weeks. [1]\n\n" + tools.offer("assessment-decision")},
]


def assert_citations_intact(a: Any) -> None:
    used = {int(n) for n in re.findall(r"\[(\d+)\]", a.text)}
    assert used == {c.n for c in a.citations}, a.text
    assert a.text.count(DISCLAIMER) == 1


# -- which questions call the calculator ----------------------------------------------------


@pytest.mark.parametrize(("question", "kind"), [
    ("I sent my request on 3 March, by when must the council answer?", "assessment-decision"),
    ("council got our ehcp request on 03/03/2026 when is there decision due",
     "assessment-decision"),
    ("The draft EHCP came on 3 March. What is the last day for comments?", "draft-comments"),
    ("Review meeting was 31 January - when must the LA decide?", "review-decision"),
    ("Plan was issued 15 June 2026, when is the next annual review due?", "next-review"),
    ("He moves to secondary school on 1 September 2027. What is the deadline?", "phase-transfer"),
    ("She starts college in September 2027, when must the plan be final?",
     "phase-transfer-post16"),
    ("Refusal letter dated 15 October, when must I appeal by?", "appeal"),
    ("When should the final EHC plan arrive? We asked on 10 February.", "final-plan"),
])
def test_deadline_questions_are_recognised(question: str, kind: str) -> None:
    assert tools.deadline_kind(question, (), TODAY) == kind


@pytest.mark.parametrize("question", [
    "What is an EHC needs assessment?",
    "Does the school have to agree before I ask for an assessment?",
    "The school says they must spend £6,000 first. Is that true?",
    "My son was excluded on 3 March 2026 for his behaviour. Is that allowed?",
])
def test_other_questions_are_not_deadline_questions(question: str) -> None:
    assert tools.deadline_kind(question, (), TODAY) is None


def test_a_date_after_the_offer_continues_the_calculation() -> None:
    assert tools.deadline_kind("They got it on 2 September", OFFER_TURNS, TODAY) == \
        "assessment-decision"
    # Without a date, a new question after the offer is just a new question.
    assert tools.deadline_kind("What is SEN support?", OFFER_TURNS, TODAY) is None


def test_dates_come_from_the_users_words_never_the_assistants() -> None:
    history = [{"role": "user", "content": "We asked for an assessment on 2 March 2026."},
               {"role": "assistant", "content": "Decision due by 13 April 2026. [1]"}]
    start, certificate = tools.find_start("So when is the final plan due?", history, TODAY)
    assert start is not None and start.value == date(2026, 3, 2) and certificate is None
    start, _ = tools.find_start("When is it due?", history[1:], TODAY)
    assert start is None


def test_the_mediation_certificate_date_is_told_apart_from_the_decision() -> None:
    q = ("Decision letter dated 1 October 2026 and the mediation certificate came dated "
         "20 November 2026. When is my appeal deadline?")
    start, certificate = tools.find_start(q, (), TODAY)
    assert start is not None and certificate is not None
    assert (start.value, certificate.value) == (date(2026, 10, 1), date(2026, 11, 20))


def test_a_date_given_as_the_deadline_starts_nothing() -> None:
    q = "My appeal deadline falls on 20 August 2026. Do we lose the right to appeal?"
    assert tools.find_start(q, (), TODAY) == (None, None)


# -- what the calculator says ---------------------------------------------------------------


def note(doc_id: str, text: str, authority: str) -> Chunk:
    return Chunk(id=f"{doc_id}-0", text=text, doc_id=doc_id, title=f"Note {doc_id}",
                 section="S", authorities=(authority,), url=f"https://example.org/{doc_id}")


NOTES = {
    c.doc_id: [c] for c in (
        note("six-week-decision-to-assess", "Intro. The council must decide within 6 weeks "
             "(SEND Regulations 2014, reg 5(1)).", "SEND Regulations 2014, reg 5(1)"),
        note("sixteen-week-decision-to-issue", "A refusal comes within 16 weeks.",
             "SEND Regulations 2014, reg 10(1)"),
        note("final-plan-20-weeks", "The plan is final within 20 weeks.",
             "SEND Regulations 2014, reg 13(2)"),
    )
}


def test_a_request_date_gives_all_three_dates_each_cited() -> None:
    start = dl.parse_date("3rd March 2026", TODAY)
    reply = tools.deadline_reply("assessment-decision", start, TODAY, NOTES)

    assert "Tuesday 14 April 2026" in reply.text.splitlines()[0]
    assert "reg 5(1)" in reply.text and "[1]" in reply.text
    assert "23 June 2026" in reply.text and "21 July 2026" in reply.text
    assert "That date has passed" in reply.text  # 14 April is before TODAY
    assert [c.doc_id for c in reply.citations] == list(NOTES)
    assert reply.citations[0].quote.startswith("The council must decide within 6 weeks")
    assert [d.due for d in reply.deadlines] == [date(2026, 4, 14), date(2026, 6, 23),
                                                date(2026, 7, 21)]


def test_a_date_still_ahead_is_not_called_passed() -> None:
    start = dl.parse_date("3 March 2026", TODAY)
    reply = tools.deadline_reply("assessment-decision", start, date(2026, 3, 10), NOTES)
    assert "passed" not in reply.text


def test_an_ambiguous_date_says_how_it_was_read() -> None:
    start = dl.parse_date("04/05/2026", TODAY)
    reply = tools.deadline_reply("assessment-decision", start, TODAY, NOTES)
    assert "4 May 2026" in reply.text and "Monday 15 June 2026" in reply.text


def test_the_deadlines_api_lists_the_one_asked_then_those_that_follow() -> None:
    found = tools.deadlines_from("assess", date(2026, 3, 3), TODAY)
    assert [d.rule.kind for d in found] == ["assessment-decision", "plan-decision", "final-plan"]
    with pytest.raises(dl.DeadlineError, match="no deadline called"):
        tools.deadlines_from("nonsense", date(2026, 3, 3), TODAY)


# -- end to end through the engine ----------------------------------------------------------


@pytest.fixture
def fixed_engine(engine: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(engine, "today", lambda: TODAY)
    return engine


@pytest.mark.slow
def test_a_dated_question_is_answered_with_the_date_and_its_rule(fixed_engine: Any) -> None:
    a = fixed_engine.answer("I sent my request for an EHC needs assessment on 3rd March 2026. "
                            "By when must the council tell me if they'll assess?")
    assert a.kind == "answer" and a.tool == "deadline"
    assert "Tuesday 14 April 2026" in a.text and "reg 5(1)" in a.text
    assert_citations_intact(a)
    assert a.citations[0].doc_id == "six-week-decision-to-assess"
    assert "6 weeks" in a.citations[0].quote
    out = a.to_dict()
    assert out["deadlines"][0]["due"] == "2026-04-14" and out["deadlines"][0]["passed"] is True
    json.dumps(out)


@pytest.mark.slow
def test_a_deadline_question_without_a_date_gets_the_period_and_an_offer(
        fixed_engine: Any) -> None:
    a = fixed_engine.answer("How long does the council have to send the final EHC plan?")
    assert a.kind == "answer" and a.tool is None
    assert "20 weeks" in a.text and tools.OFFER_MARK in a.text
    assert_citations_intact(a)
    follow = fixed_engine.answer("They got the request on 2 September 2026", [
        {"role": "user", "content": "How long does the council have to send the final plan?"},
        {"role": "assistant", "content": a.text}])
    assert follow.tool == "deadline" and "20 January 2027" in follow.text


@pytest.mark.slow
def test_an_impossible_date_is_named_and_the_question_still_answered(fixed_engine: Any) -> None:
    a = fixed_engine.answer("I sent my EHC needs assessment request on 31 April 2026, when "
                            "must they decide?")
    assert a.kind == "answer" and a.tool is None
    assert "31 April" in a.text and "6 weeks" in a.text
    assert_citations_intact(a)


@pytest.mark.slow
def test_crisis_signposting_still_comes_first(fixed_engine: Any) -> None:
    a = fixed_engine.answer("My son says he wants to die. We asked for an assessment on "
                            "3 March 2026, when must the council decide?")
    assert a.kind == "safeguarding"
    assert a.text.index("999") < a.text.index("14 April 2026")
    assert a.signposts[0].id == "emergency-999"


@pytest.mark.slow
def test_a_letter_is_offered_filled_with_what_the_parent_typed(
        fixed_engine: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    a = fixed_engine.answer("Can you help me write a letter to the council asking for an EHC "
                            "needs assessment for my son Zebedee?")
    assert a.kind == "answer" and a.tool == "letter"
    assert a.letter is not None and a.letter.template.id == "request-ehc-needs-assessment"
    assert "Zebedee" in a.letter.text and "23 November 2026" in a.letter.text
    assert "model letter" in a.text and "Zebedee" not in a.text
    assert_citations_intact(a)
    assert any("s.36(1)" in auth for c in a.citations for auth in c.authorities)
    assert a.to_dict()["letter"]["id"] == "request-ehc-needs-assessment"
    assert "Zebedee" not in caplog.text  # the child's name is never logged


@pytest.mark.slow
def test_no_letter_for_a_question_of_fact(fixed_engine: Any) -> None:
    a = fixed_engine.answer("Does the school have to agree before I ask for an EHC needs "
                            "assessment?")
    assert a.tool is None and a.letter is None and "model letter" not in a.text

"""The form of a question: yes/no or not, which way round, what it asks of whom."""

import pytest

from assistant.forms import (
    forms,
    frame,
    is_conditional,
    is_yes_no,
    negations,
    opening_word,
    without_opening,
)


@pytest.mark.parametrize("q", ["Can I appeal?", "does the school have to tell me",
                               "School says they must spend £6,000 first — true?",
                               "they said no, is that allowed", "Shouldn't they have told me?"])
def test_yes_no_questions(q: str) -> None:
    assert is_yes_no(q)


@pytest.mark.parametrize("q", ["How long does the council have?", "What happens at a review?",
                               "who can ask for an assessment", "The council said no. What now?"])
def test_other_questions(q: str) -> None:
    assert not is_yes_no(q)


def test_opening_word_and_the_statement_after_it() -> None:
    assert opening_word("Yes. You can appeal.") == "yes"
    assert opening_word("No, the school cannot charge.") == "no"
    assert opening_word("Nobody has to agree.") is None
    assert without_opening("No. A school cannot refuse.") == "A school cannot refuse."
    assert without_opening("Yes, you can.") == "You can."
    assert without_opening("The council must decide.") == "The council must decide."


def test_negations_count_the_words_that_turn_a_question_round() -> None:
    assert negations("Can the school refuse to give his medicine?") == 1
    assert negations("Can't I ask without the school?") == 2
    assert negations("Must the school give his medicine?") == 0


def test_frames_agree_only_on_the_same_right_or_duty_of_the_same_person() -> None:
    can_i = frame("Can I request an EHC needs assessment for my 3 year old?")
    must_child = frame("Does my child have to attend nursery before the council will assess?")
    can_i_too = frame("Can I ask the council for an assessment myself?")
    school_refuse = frame("Can the school refuse to give my son his medication?")
    school_must = frame("Does the school have to give my son his medicine?")
    assert can_i.agent == "parent" and "permission" in can_i.modality
    assert not can_i.agrees(must_child)
    assert can_i.agrees(can_i_too)
    assert not school_refuse.agrees(school_must)  # turned round: "refuse"
    # What the asking sentence leaves out (who is asked) comes from the sentence before it.
    bare = frame("Does it still have to provide everything in section F?")
    assert bare.agent is None
    council = frame("The council says it has no money. Does it still have to provide it?")
    assert bare.filled_from(council).agent == "council"


def test_every_word_in_the_forms_file_is_text() -> None:
    """YAML reads a bare no, yes, on or off as a boolean: it would never match a word."""
    for key, value in forms().items():
        lists = value.values() if isinstance(value, dict) else [value]
        for words in lists:
            if isinstance(words, list):
                assert all(isinstance(w, str) for w in words), key
    assert negations("Is there no limit?") == 1


@pytest.mark.parametrize("answer", [
    "Yes, but only if the course began before 1 September 2024.",
    "Yes, if the council agrees.",
    "No, not automatically: the council must first review the plan.",
    "Yes, as long as the education is suitable.",
])
def test_a_conditional_opening_is_known_and_drops_to_its_condition(answer: str) -> None:
    assert is_conditional(answer)
    rest = without_opening(answer)
    assert rest.split()[0].strip(",.:").lower() not in ("yes", "no", "but")
    assert rest[0].isupper()


@pytest.mark.parametrize("answer", ["Yes. The council must decide within 6 weeks.",
                                    "No, the school cannot charge for it.",
                                    "Yes, a head teacher can do that."])
def test_a_plain_opening_is_not_conditional(answer: str) -> None:
    assert not is_conditional(answer)


@pytest.mark.parametrize("question", [
    "Can the tribunal still make health recommendations, or did that end with the trial?",
    "Does the plan stay when we move, or does the new council start again?",
    "Is the school allowed to do this or not?",
])
def test_an_alternative_question_does_not_ask_for_yes_or_no(question: str) -> None:
    assert not is_yes_no(question)


def test_or_between_nouns_keeps_a_yes_no_question() -> None:
    assert is_yes_no("Can my son get speech or language therapy in section F?")
    assert is_yes_no("Can the council refuse transport because we get DLA or have a car?")

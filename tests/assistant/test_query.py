"""Reading a message once: its asking sentences, however it is written."""

import pytest

from assistant.query import focus_of, is_asking, sentences_of

STORY = ("My son is 9 and has autism. He has been at his school since reception. Last year the "
         "SENCO said he was doing fine. Now he refuses to go in most days. The council said no "
         "to an EHC needs assessment last week. Can I appeal?")


def test_the_question_at_the_end_of_a_long_story_is_the_focus() -> None:
    assert focus_of(STORY) == ["Can I appeal?"]


def test_two_questions_in_one_message_are_both_kept() -> None:
    text = "How long does the council have to decide? And can I appeal if they say no?"
    assert focus_of(text) == ["How long does the council have to decide?",
                              "And can I appeal if they say no?"]


@pytest.mark.parametrize("sentence", [
    "what do i do now", "can they do that", "is this legal", "need to know if the LA can refuse",
    "Wondering whether the school has to tell me", "please help, where do I stand"])
def test_questions_without_a_question_mark_are_asking_sentences(sentence: str) -> None:
    assert is_asking(sentence)


def test_statements_are_not_asking_sentences() -> None:
    assert not is_asking("He has been at his school since reception.")
    assert not is_asking("The council said no to an assessment.")


def test_a_message_with_no_asking_sentence_is_read_from_its_last_sentence() -> None:
    assert focus_of("My son has dyslexia. The school will not assess him.") == \
        ["The school will not assess him."]


def test_sentences_split_on_stops_and_lines() -> None:
    assert sentences_of("One. Two?\nThree") == ["One.", "Two?", "Three"]

"""Spelling is corrected towards the guidance's own words, and only where a word is unknown."""

from assistant.spelling import Speller

GUIDANCE = ["The council must decide whether to carry out an assessment within 6 weeks.",
            "A tribunal appeal needs a mediation certificate. The school must not refuse."]


def test_unknown_words_are_corrected_towards_the_guidance() -> None:
    s = Speller(GUIDANCE)
    assert s.correct("counsel said no to an assesment") == "counsel said no to an assessment"
    assert s.correct("tribunel apeal") == "tribunal appeal"
    assert s.correct("the schol refuce") == "the school refuse"


def test_known_words_and_short_words_are_left_alone() -> None:
    s = Speller(GUIDANCE)
    assert s.correct("he kills it at football") == "he kills it at football"
    assert s.correct("my son is 9, ok?") == "my son is 9, ok?"
    assert s.correct("EHCP SENCO") == "EHCP SENCO"

import re

import pytest

from assistant.authorities import references
from assistant.compose import (
    DISCLAIMER,
    compose,
    is_yes_no,
    myth_verdict,
    polarity,
    with_list,
)
from tests.assistant.helpers import passage

SIX_WEEKS = passage(
    "The council must decide whether to carry out an EHC needs assessment within 6 weeks of "
    "receiving the request (SEND Regulations 2014, reg 5(1)). The council must give reasons "
    "if it refuses. Weekends count.", 1, "six-weeks")
TWENTY = passage(
    "The final EHC plan must be issued within 20 weeks of the request for an assessment "
    "(SEND Regulations 2014, reg 13(2)).", 2, "twenty-weeks",
    ("SEND Regulations 2014, reg 13(2)",))
UNRELATED = passage("Mediation is voluntary and free for parents.", 3, "mediation")


def test_leads_with_the_best_sentence_and_cites_it() -> None:
    c = compose("How long does the council have to decide whether to assess?", "",
                [SIX_WEEKS, TWENTY, UNRELATED], {}, 1.0)
    first = c.text.split(" [")[0]
    assert "within 6 weeks" in first
    assert c.citations[0].doc_id == "six-weeks"
    assert c.citations[0].authorities == ["SEND Regulations 2014, reg 5(1)"]


def test_every_reference_has_a_citation_and_every_citation_is_used() -> None:
    c = compose("How long for the decision to assess and for the final EHC plan?", "",
                [SIX_WEEKS, TWENTY, UNRELATED], {}, 1.0)
    used = {int(n) for n in re.findall(r"\[(\d+)\]", c.text)}
    assert used == {cit.n for cit in c.citations}
    assert [cit.n for cit in c.citations] == list(range(1, len(c.citations) + 1))
    assert all(cit.quote for cit in c.citations)


def test_says_it_is_information_once() -> None:
    c = compose("How long to decide on an assessment?", "", [SIX_WEEKS], {}, 1.0)
    assert c.text.count(DISCLAIMER) == 1 and c.text.endswith(DISCLAIMER)


def test_no_passages_no_answer() -> None:
    c = compose("anything", "", [], {}, 1.0)
    assert c.text == "" and c.citations == [] and c.coverage == 0


def test_coverage_falls_when_the_passages_do_not_match() -> None:
    good = compose("how long to decide on an assessment", "", [SIX_WEEKS], {}, 1.0)
    poor = compose("how much is disability living allowance", "", [UNRELATED], {}, 1.0)
    assert good.coverage > 0.5 > poor.coverage


@pytest.mark.parametrize(
    ("question", "yes_no"),
    [("Can the school charge me?", True), ("Is that allowed?", True),
     ("school says they must spend 6000 first - true?", True),
     ("How long does the council have?", False), ("What is SEN support?", False)],
)
def test_recognises_yes_no_questions(question: str, yes_no: bool) -> None:
    assert is_yes_no(question) is yes_no


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        ("Can the school charge me for SEN support?",
         "Schools cannot charge parents for SEN support during the school day.", "No."),
        ("Is the 15 days working days?",
         "The 15 days are calendar days, including weekends, not working days.", "No."),
        ("Can I ask for an assessment myself?",
         "A parent can ask the council for an assessment without the school's agreement.",
         "Yes."),
        ("Can I ask for an assessment without the school agreeing?",
         "Parents do not need the school's agreement to ask for an assessment.", None),
        ("Do I need a diagnosis for SEN support?",
         "A child does not need a diagnosis to get SEN support.", "No."),
        ("Is the weather nice?", "A child does not need a diagnosis to get SEN support.", None),
    ],
)
def test_polarity(question: str, sentence: str, expected: str | None) -> None:
    assert polarity(question, sentence) == expected


def test_a_repeated_myth_is_answered_no_and_its_opposite_yes() -> None:
    myth = passage("No. A school does not need to agree.", 1, "myth-agree",
                   myth="The school must agree before a parent can request an assessment.")
    asserted = myth_verdict("The school says it must agree before I request an assessment, "
                            "true?", [myth], {}, 1.0)
    opposite = myth_verdict("I heard I can request an assessment without the school agreeing. "
                            "Is that right?", [myth], {}, 1.0)
    plain = myth_verdict("Can I request an assessment without the school agreeing?",
                         [myth], {}, 1.0)
    unrelated = myth_verdict("Is it true the final plan takes 20 weeks?", [myth], {}, 1.0)
    assert asserted is not None and asserted[1] == "No."
    assert opposite is not None and opposite[1] == "No."  # people check myths they were told
    assert plain is None and unrelated is None  # only a repeated claim can repeat a myth


def test_a_different_figure_answers_a_claim_no() -> None:
    assert polarity("Someone told me plans must be reviewed every 6 months, is that right?",
                    "Plans must be reviewed at least every 12 months.") == "No."
    assert polarity("Must plans be reviewed every 12 months?",
                    "Plans must be reviewed at least every 12 months.") == "Yes."


def test_a_hedged_sentence_settles_nothing() -> None:
    assert polarity("Is the National Award still the SENCO qualification?",
                    "The National Award still counts only if the course began before 2024.") \
        is None


def test_a_plain_question_repeats_a_myth_only_when_put_the_same_way_round() -> None:
    myth = passage("No. A school does not need to agree.", 1, "myth-agree",
                   myth="The school must agree before a parent can request an assessment.")
    same = myth_verdict("Does the school have to agree before I can request an assessment?",
                        [myth], {}, 1.0)
    reversed_ = myth_verdict("Can I request an assessment if the school does not agree?",
                             [myth], {}, 1.0)
    assert same is not None and same[1] == "No."
    assert reversed_ is None


def test_the_best_matching_myth_is_chosen_not_the_first() -> None:
    near = passage("No.", 1, "myth-plan", myth="Without a plan a school gives no extra help.")
    exact = passage("No.", 2, "myth-agree",
                    myth="The school must agree before a parent can ask for an assessment.")
    found = myth_verdict("The SENCO says the school must agree before we ask for an "
                         "assessment, is that true?", [near, exact], {}, 1.0)
    assert found is not None and found[0].chunk.doc_id == "myth-agree"


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        # a choice is not answered Yes
        ("Do the 20 weeks run from the request or from the decision to assess?",
         "The 20 weeks run from the request for an assessment."),
        # a sentence that shares a word or two does not answer the question Yes
        ("Is there a statutory cap on repeat requests for an assessment?",
         "A request for an assessment can come from a parent or the school."),
        # a list item without its lead-in is a fragment, not an answer
        ("Can the council refuse a school that is unsuitable?",
         "the school is unsuitable for the child's age or needs;"),
    ],
)
def test_yes_needs_a_plain_question_and_a_sentence_that_restates_it(
    question: str, sentence: str
) -> None:
    assert polarity(question, sentence) is None


LIST = ("The council must name the school unless one of three grounds applies (Children and "
        "Families Act 2014, s.39):\n- the school is unsuitable for the child;\n- attending "
        "would harm the education of others;\n- attending would waste resources.\n\n"
        "A full school is not one of the grounds.")


def test_a_list_is_shown_whole_with_the_sentence_that_introduces_it() -> None:
    lead = "The council must name the school unless one of three grounds applies " \
           "(Children and Families Act 2014, s.39):"
    whole = with_list(lead, LIST)
    assert whole.startswith(lead)
    assert whole.endswith("attending would waste resources.")
    assert "unsuitable" in whole and "education of others" in whole
    # an item alone brings its lead-in and the rest of the list
    assert with_list("attending would harm the education of others;", LIST) == whole
    # an ordinary sentence is left alone
    assert with_list("A full school is not one of the grounds.", LIST) == \
        "A full school is not one of the grounds."


def test_composed_answer_never_ends_on_a_dangling_colon() -> None:
    p = passage(LIST, 1, "naming", ("Children and Families Act 2014, s.39",))
    c = compose("On what grounds can the council refuse to name a school?", "", [p], {}, 1.0)
    assert ":" not in c.text.split(" [")[0][-2:]
    assert "waste resources" in c.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s.66 best endeavours", {("s", "66")}),
        ("section 36(8) threshold", {("s", "36")}),
        ("reg 18 deadlines", {("reg", "18")}),
        ("CoP 9.14: what does the LA weigh?", {("para", "9.14")}),
        ("SEND Regulations 2014, reg 5(1)", {("reg", "5")}),
        ("SEND Code of Practice 2015, paras 6.96-6.98",
         {("para", "6.96"), ("para", "6.97"), ("para", "6.98")}),
        ("my child's 6 weeks ran out after 6.5 weeks", set()),
    ],
)
def test_references_named_in_text(text: str, expected: set[tuple[str, str]]) -> None:
    assert references(text) == expected


def test_being_told_nothing_is_not_a_reported_claim() -> None:
    myth = passage("Myth: a child needs an EHC plan to get extra help at school.", 1, "myth",
                   myth="a child needs an EHC plan to get extra help at school")
    told = myth_verdict("The school told me a child needs an EHC plan to get extra help. "
                        "Is that so?", [myth], {}, 1.0)
    not_told = myth_verdict("My child gets extra help at school without an EHC plan and I "
                            "found out by accident. Shouldn't the school have told me?",
                            [myth], {}, 1.0)
    assert told is not None and told[1] == "No."
    assert not_told is None

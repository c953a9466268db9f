"""Which nation a message is about: places where the family is, and each system's own words."""

import pytest

from assistant.nations import default_nations


@pytest.mark.parametrize(
    ("text", "nation"),
    [("How do IDPs work in Cardiff?", "wales"),
     ("We live in Glasgow, how do I get a CSP?", "scotland"),
     ("we live in Newry and my son has a statement", "northern-ireland"),
     ("Does the ALN Act apply to my daughter?", "wales"),
     ("Our council in Fife says no", "scotland"),
     ("we are moving to Swansea next year, what happens to the EHCP?", "wales")],
)
def test_other_nations_are_named(text: str, nation: str) -> None:
    assert default_nations().find(text) == nation


@pytest.mark.parametrize(
    "text",
    ["How long does the council in Leeds have to assess?",
     "we moved from Cardiff to Bristol, does the EHCP still count?",
     "He had a statement in 2012 and now an EHCP in Kent",
     "My son Angus struggles with reading",
     "the EA says no",  # a weak word alone names no nation
     "Can I ask for an EHC needs assessment?"],
)
def test_england_and_unplaced_messages_name_no_other_nation(text: str) -> None:
    assert default_nations().find(text) is None

import pytest

from assistant.privacy import (
    EMAIL_MARK,
    PHONE_MARK,
    nhs_check_digit_ok,
    redact,
    redact_echoes,
    redact_history,
    redact_personal,
)


@pytest.mark.parametrize("phone", [
    "07700 900123", "07700900123", "+44 7700 900123", "+447700900123", "0044 7700 900123",
    "020 7946 0958", "(020) 7946 0958", "+44 (0)20 7946 0958", "0161-496-0000",
    "0117 496 0123", "0800 123 4567",
])
def test_uk_phone_numbers_are_redacted(phone: str) -> None:
    out = redact(f"Ring me on {phone}, is the school allowed to refuse?")
    assert out == f"Ring me on {PHONE_MARK}, is the school allowed to refuse?"


@pytest.mark.parametrize("email", [
    "jane.doe@example.com", "j.o'neill+school@mail.example.co.uk", "PARENT_1@Example.ORG",
])
def test_email_addresses_are_redacted(email: str) -> None:
    assert redact(f"email {email} please") == f"email {EMAIL_MARK} please"


@pytest.mark.parametrize("text", [
    "SEND Regulations 2014, reg 5(1)",
    "SEND Code of Practice 2015, para 9.14",
    "between 2014 and 2015 it took 20 weeks and £6,000",
    "Samaritans on 116 123",
    "the plan dated 12.03.2024 was reviewed on 01.08.2025",
    "years 7 8 9 10 11",
    "Children and Families Act 2014, s.44(1)",
])
def test_law_references_dates_and_sums_are_kept(text: str) -> None:
    assert redact(text) == text


def test_both_in_one_question_and_in_history() -> None:
    text = "I'm on 07700 900123 or jane@example.com. How long is the 6-week limit?"
    assert redact(text) == "I'm on [phone] or [email]. How long is the 6-week limit?"
    turns = redact_history([{"role": "user", "content": text}])
    assert turns == [{"role": "user", "content": redact(text)}]


# -- redact_personal: what SEND_LOG_QUESTIONS writes ------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("My son Jack is in Year 9.", "My son [name] is in Year 9."),
    ("my daughter, Amelia Jones, has autism", "my daughter, [name], has autism"),
    ("our youngest son Oliver-James", "our youngest son [name]"),
    ("my daughter Zoë is 7", "my daughter [name] is 7"),
    ("She is called Amelia.", "She is called [name]."),
    ("he's known as Alfie", "he's known as [name]"),
    ("My name is Sarah O'Neill and", "My name is [name] and"),
    ("I spoke to Mrs Patel, the SENCO", "I spoke to Mrs [name], the SENCO"),
    ("the SENCO Mr. McDonald said no", "the SENCO Mr. [name] said no"),
    ("I'm Jack's mum", "I'm [name]'s mum"),
    ("Ruby's EHCP says", "[name]'s EHCP says"),
])
def test_names_are_redacted(text: str, expected: str) -> None:
    assert redact_personal(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("DOB 03/04/2015", "DOB [date of birth]"),
    ("D.O.B: 3.4.15", "D.O.B: [date of birth]"),
    ("born on 3 March 2015", "born on [date of birth]"),
    ("she was born 3rd of March, 2015 in Leeds", "she was born [date of birth] in Leeds"),
    ("his date of birth is March 3, 2015", "his date of birth is [date of birth]"),
    ("birthday: 2015-03-04", "birthday: [date of birth]"),
    ("born in March 2015", "born in [date of birth]"),
])
def test_dates_of_birth_are_redacted(text: str, expected: str) -> None:
    assert redact_personal(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("He lives at 12 High Street.", "He lives at [address]."),
    ("We live at 4 Mill Lane, Leeds, and the school is far",
     "We live at [address], and the school is far"),
    ("our address is Flat 3, Rose Court", "our address is [address]"),
    ("send it to 221b Baker Street please", "send it to [address] please"),
    ("postcode SW1A 1AA", "postcode [postcode]"),
    ("we are in ls1 4ab", "we are in [postcode]"),
    ("near M1 1AE.", "near [postcode]."),
])
def test_addresses_and_postcodes_are_redacted(text: str, expected: str) -> None:
    assert redact_personal(text) == expected


@pytest.mark.parametrize("text", [
    "NHS number 943 476 5919", "his NHS no. is 943-476-5919", "9434765919",
    "nhs number: 123 456 7890",  # the check digit is wrong, but it is called an NHS number
])
def test_nhs_numbers_are_redacted(text: str) -> None:
    out = redact_personal(text)
    assert "[NHS number]" in out and not any(ch.isdigit() for ch in out)
    assert nhs_check_digit_ok("9434765919") and not nhs_check_digit_ok("9434765918")


def test_everything_in_one_question() -> None:
    text = ("My daughter Amelia (DOB 03/04/2015, NHS 943 476 5919) lives at 12 High Street, "
            "Leeds LS1 4AB. Email me at jane@example.com or ring 07700 900123.")
    assert redact_personal(text) == (
        "My daughter [name] (DOB [date of birth], NHS [NHS number]) lives at [address]. "
        "Email me at [email] or ring [phone].")


@pytest.mark.parametrize("text", [
    "What should be in section F of the plan?",
    "SEND Regulations 2014, reg 5(1): within 6 weeks",
    "My son is in Year 9 and has ADHD",
    "We asked on 15 February and they have 16 weeks.",
    "the plan dated 12.03.2024 was reviewed on 01.08.2025",
    "My daughter is 7 and in Key Stage 2; the SENCO says she is on SEN Support.",
    "I called the council and the school, and we live in Kent.",
    "The plan is called an Education, Health and Care plan (EHCP).",
    "She is known as the Local Offer contact at Kent County Council.",
    "my son lives at home with me and goes to Oak Hill Academy",
    "the tribunal (SENDIST) hearing is in Year 11, 20 weeks after",
    "Children and Families Act 2014, s.44(1); SEND Code of Practice, para 9.14",
    "Can they miss the deadline? Will the council pay?",
])
def test_ordinary_send_wording_is_left_alone(text: str) -> None:
    assert redact_personal(text) == text


def test_an_answer_that_repeats_the_question_s_details_is_redacted_too() -> None:
    found: list[tuple[str, str]] = []
    question = redact_personal("My son Jack Smith, DOB 03/04/2015, lives at 12 High Street. "
                               "By when must the council decide?", found)
    assert question == ("My son [name], DOB [date of birth], lives at [address]. "
                        "By when must the council decide?")
    answer = ("Jack's request: the decision was due 6 weeks from Friday 3 April 2015 (I read "
              "03/04/2015 the UK way). Write to the council at 12 High Street? No: Smith")
    assert redact_echoes(answer, found) == (
        "[name]'s request: the decision was due 6 weeks from Friday [date of birth] (I read "
        "[date of birth] the UK way). Write to the council at [address]? No: [name]")
    assert redact_echoes("Within 6 weeks (reg 5(1)).", found) == "Within 6 weeks (reg 5(1))."

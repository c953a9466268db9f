import pytest

from assistant.web.privacy import EMAIL_MARK, PHONE_MARK, redact, redact_history


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

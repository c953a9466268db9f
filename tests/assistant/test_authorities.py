import pytest

from assistant.authorities import authorities_in, parse_authority


@pytest.mark.parametrize(
    ("text", "instrument", "pinpoint"),
    [
        ("SEND Regulations 2014, reg 5(1)", "SEND Regulations 2014", "reg 5(1)"),
        ("Children and Families Act 2014, ss.52-57", "Children and Families Act 2014", "ss.52-57"),
        ("SEND Code of Practice 2015, para 9.14", "SEND Code of Practice 2015", "para 9.14"),
        ("Equality Act 2010, Schedule 17", "Equality Act 2010", "Schedule 17"),
        ("Mental Capacity Act 2005", "Mental Capacity Act 2005", ""),
    ],
)
def test_parses_instrument_and_pinpoint(text: str, instrument: str, pinpoint: str) -> None:
    a = parse_authority(text)
    assert (a.instrument, a.pinpoint, a.is_case) == (instrument, pinpoint, False)


def test_parses_cases() -> None:
    assert parse_authority("Cambridgeshire CC v FL-J [2016] UKUT 225 (AAC)").is_case


@pytest.mark.parametrize("bad", ["reg 5", "SEND Regulations, reg 5", "the law", ""])
def test_rejects_unknown_forms_with_the_accepted_ones(bad: str) -> None:
    with pytest.raises(ValueError, match="Instrument YEAR, pinpoint"):
        parse_authority(bad)


def test_finds_citations_in_running_text() -> None:
    text = ("The council must decide within 6 weeks (SEND Regulations 2014, reg 5(1)). "
            "See Children and Families Act 2014, s.36(8), and reg 5(1) again "
            "(SEND Regulations 2014, reg 5(1)).")
    assert authorities_in(text) == [
        "SEND Regulations 2014, reg 5(1)", "Children and Families Act 2014, s.36(8)"]

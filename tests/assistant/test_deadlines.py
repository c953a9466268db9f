"""The deadline calculator and date reader, pinned on fixed dates checked by hand against a
calendar (no clock: every call is given `today`)."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
import yaml

from assistant.cli import main
from assistant.deadlines import (
    ALIASES,
    RULES,
    Deadline,
    ParsedDate,
    _bank_holidays,
    compute,
    compute_all,
    find_date,
    find_dates,
    format_date,
    parse_date,
    resolve_kind,
)
from assistant.errors import DeadlineError, SendAssistantError
from assistant.settings import PROJECT_ROOT

TODAY = date(2026, 11, 23)  # a Monday
CORPUS = PROJECT_ROOT / "corpus"


def due(kind: str, start: date, certificate: date | None = None) -> date:
    return compute(kind, start, today=TODAY, certificate=certificate).due


# --- the rules -------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "start", "expected"), [
    ("assessment-decision", date(2026, 3, 3), date(2026, 4, 14)),
    ("plan-decision", date(2026, 3, 3), date(2026, 6, 23)),
    ("final-plan", date(2026, 3, 3), date(2026, 7, 21)),
    # reg 13(1): 15 days beginning with the day of service, so 3 March is day 1.
    ("draft-comments", date(2026, 3, 3), date(2026, 3, 17)),
    ("review-decision", date(2026, 1, 31), date(2026, 2, 28)),
    ("next-review", date(2026, 9, 14), date(2027, 9, 14)),
    ("phase-transfer", date(2027, 9, 1), date(2027, 2, 15)),
    ("phase-transfer-post16", date(2027, 9, 1), date(2027, 3, 31)),
    ("appeal", date(2026, 10, 15), date(2026, 12, 15)),
])
def test_each_rule_on_a_fixed_date(kind: str, start: date, expected: date) -> None:
    assert due(kind, start) == expected


def test_twelve_months_from_a_leap_day_is_clamped_and_said() -> None:
    d = compute("next-review", date(2028, 2, 29), today=TODAY)
    assert d.due == date(2029, 2, 28)
    assert any("February 2029 has no day 29" in n for n in d.notes)
    assert any("every 3 to 6 months" in n and "para 9.178" in n for n in d.notes)


@pytest.mark.parametrize(("decision", "expected"), [
    (date(2025, 12, 31), date(2026, 2, 28)),  # no 31 February; 2026 is not a leap year
    (date(2027, 12, 31), date(2028, 2, 29)),  # 2028 is
])
def test_appeal_months_clamp_to_the_month_end(decision: date, expected: date) -> None:
    d = compute("appeal", decision, today=TODAY)
    assert d.due == expected
    assert any("ends on its last day" in n for n in d.notes)


def test_appeal_takes_the_later_of_letter_and_certificate() -> None:
    # Letter 15 Oct + 2 months = 15 Dec; certificate 1 Dec + 1 month = 1 Jan 2027, which is
    # later, and falls in 25 Dec-1 Jan: 1 Jan 2027 is a Friday bank holiday, so Monday 4 Jan.
    d = compute("appeal", date(2026, 10, 15), today=TODAY, certificate=date(2026, 12, 1))
    assert d.due == date(2027, 1, 4)
    assert "mediation certificate (1 January 2027) is later" in d.notes[0]
    assert any("next working day after 1 January, Monday 4 January 2027" in n for n in d.notes)
    # An earlier certificate does not shorten the 2 months from the letter.
    early = compute("appeal", date(2026, 10, 15), today=TODAY, certificate=date(2026, 11, 1))
    assert early.due == date(2026, 12, 15)
    assert "decision letter (15 December 2026) is later" in early.notes[0]


def test_without_a_certificate_the_note_says_which_would_move_it() -> None:
    d = compute("appeal", date(2026, 10, 15), today=TODAY)
    assert "certificate dated 16 November 2026 or later" in d.notes[0]
    assert due("appeal", date(2026, 10, 15), date(2026, 11, 15)) == date(2026, 12, 15)
    assert due("appeal", date(2026, 10, 15), date(2026, 11, 16)) == date(2026, 12, 16)


@pytest.mark.parametrize(("decision", "expected"), [
    (date(2026, 6, 10), date(2026, 9, 1)),  # 10 August -> Tuesday 1 September
    (date(2029, 6, 15), date(2029, 9, 3)),  # 15 August -> 1 Sep 2029 is a Saturday -> Monday 3rd
    (date(2026, 10, 27), date(2027, 1, 4)),  # 27 December -> Monday 4 January
    (date(2027, 11, 1), date(2028, 1, 4)),  # 1 January 2028 (Sat); Monday 3rd is the substitute
    (date(2026, 10, 24), date(2026, 12, 24)),  # Christmas Eve is outside the window
    (date(2026, 11, 2), date(2027, 1, 2)),  # 2 January is outside it too
])
def test_appeal_christmas_and_august(decision: date, expected: date) -> None:
    assert due("appeal", decision) == expected


def test_august_roll_over_is_explained() -> None:
    d = compute("appeal", date(2026, 6, 10), today=TODAY)
    assert any("10 August 2026 falls in August" in n and "Tuesday 1 September 2026" in n
               for n in d.notes)
    assert any("not apply to disability discrimination claims" in n for n in d.notes)


def test_bank_holidays_2026_and_2027() -> None:
    assert sorted(_bank_holidays(2026)) == [
        date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4),
        date(2026, 5, 25), date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28)]
    assert sorted(_bank_holidays(2027)) == [
        date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 3),
        date(2027, 5, 31), date(2027, 8, 30), date(2027, 12, 27), date(2027, 12, 28)]
    assert date(2022, 1, 3) in _bank_holidays(2022)  # New Year's Day on a Saturday


def test_passed_is_relative_to_today() -> None:
    assert compute("assess", date(2026, 3, 3), today=TODAY).passed
    assert not compute("assess", date(2026, 3, 3), today=date(2026, 4, 14)).passed  # due today
    assert compute("assess", date(2026, 3, 3), today=date(2026, 4, 15)).passed


def test_phase_transfer_warns_when_the_move_is_not_after_the_deadline() -> None:
    d = compute("phase-transfer", date(2027, 1, 10), today=TODAY)
    assert d.due == date(2027, 2, 15) and "not after this deadline" in d.notes[0]
    assert not any("not after" in n for n in compute("phase", date(2027, 9, 1), today=TODAY).notes)


def test_a_certificate_only_belongs_to_an_appeal() -> None:
    with pytest.raises(DeadlineError, match="only changes the appeal deadline"):
        compute("final-plan", date(2026, 3, 3), today=TODAY, certificate=date(2026, 4, 1))


def test_aliases_and_kinds_resolve() -> None:
    assert all(resolve_kind(k) == k for k in RULES)
    assert all(kind in RULES for kind in ALIASES.values())
    assert resolve_kind(" Assess ") == "assessment-decision"
    assert resolve_kind("6 weeks") == "assessment-decision"
    assert resolve_kind("draft") == "draft-comments"
    assert resolve_kind("appeal") == "appeal" and resolve_kind("review") == "review-decision"
    with pytest.raises(DeadlineError) as err:
        resolve_kind("appeals")
    assert "'appeals'" in str(err.value) and "assessment-decision (assess" in str(err.value)


def test_compute_all_and_to_dict() -> None:
    kinds = ["assess", "plan-decision", "final-plan"]
    results = compute_all(kinds, date(2026, 3, 3), today=TODAY)
    assert [d.due for d in results] == [date(2026, 4, 14), date(2026, 6, 23), date(2026, 7, 21)]
    out = results[0].to_dict()
    assert json.loads(json.dumps(out)) == out
    assert out["kind"] == "assessment-decision" and out["doc_id"] == "six-week-decision-to-assess"
    assert out["start"] == "2026-03-03" and out["due"] == "2026-04-14"
    assert out["due_text"] == "Tuesday 14 April 2026" and out["passed"] is True
    assert out["authority"] == "SEND Regulations 2014, reg 5(1)" and "reg 5(4)" in out["exceptions"]
    assert set(out) >= {"label", "period", "notes", "exceptions"}
    assert isinstance(results[0], Deadline)


def _corpus_authorities(doc_id: str) -> list[str]:
    front = (CORPUS / f"{doc_id}.md").read_text().split("---")[1]
    return list(yaml.safe_load(front)["authorities"])


def test_every_rule_cites_a_corpus_note_that_states_its_authority() -> None:
    for rule in RULES.values():
        assert rule.authority in _corpus_authorities(rule.doc_id), rule.kind


def test_every_citation_in_notes_and_exceptions_is_a_corpus_authority() -> None:
    known = {a for path in CORPUS.glob("*.md") for a in _corpus_authorities(path.stem)}
    texts = [r.exceptions for r in RULES.values() if r.exceptions]
    for kind in RULES:
        texts += compute(kind, date(2027, 12, 31), today=TODAY).notes
    texts += compute("appeal", date(2026, 6, 10), today=TODAY).notes
    for text in texts:
        cited = re.search(r"\(((?:[^()]|\([^()]*\))*)\)\.$", text)
        if cited:
            for authority in cited.group(1).split("; "):
                assert authority in known, (authority, text)


def test_exceptions_are_on_the_rules_that_have_them() -> None:
    assert "reg 5(4)" in RULES["assessment-decision"].exceptions
    assert "reg 10(4)" in RULES["final-plan"].exceptions
    assert "may not apply" in RULES["final-plan"].exceptions
    assert RULES["draft-comments"].exceptions == ""


# --- reading dates ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("3rd March", date(2026, 3, 3)),
    ("3 March", date(2026, 3, 3)),
    ("March 3", date(2026, 3, 3)),
    ("March 3rd", date(2026, 3, 3)),
    ("3rd of March", date(2026, 3, 3)),
    ("the 3rd of March", date(2026, 3, 3)),
    ("3 March 2026", date(2026, 3, 3)),
    ("3rd March, 2026", date(2026, 3, 3)),
    ("March 3, 2026", date(2026, 3, 3)),
    ("Mar 3", date(2026, 3, 3)),
    ("3 Mar 26", date(2026, 3, 3)),
    ("03/03/2026", date(2026, 3, 3)),
    ("3/3/26", date(2026, 3, 3)),
    ("03-04-2026", date(2026, 4, 3)),
    ("3.4.2026", date(2026, 4, 3)),
    ("13/04/2026", date(2026, 4, 13)),
    ("2026-03-03", date(2026, 3, 3)),
    ("Tuesday 14 April 2026", date(2026, 4, 14)),
    ("on 3 September 2025", date(2025, 9, 3)),
    ("today", TODAY),
    ("yesterday", date(2026, 11, 22)),
    ("last Tuesday", date(2026, 11, 17)),
    ("on Tuesday", date(2026, 11, 17)),
    ("Tuesday", date(2026, 11, 17)),
    ("Monday", TODAY),  # a bare weekday may be today
    ("last Monday", date(2026, 11, 16)),  # "last" is strictly before today
    ("next Tuesday", date(2026, 11, 24)),
    ("2 weeks ago", date(2026, 11, 9)),
    ("two weeks ago", date(2026, 11, 9)),
    ("3 days ago", date(2026, 11, 20)),
    ("a month ago", date(2026, 10, 23)),
    ("31 January 2026", date(2026, 1, 31)),
    ("29 February 2028", date(2028, 2, 29)),
    ("3 Mar. 2026", date(2026, 3, 3)),
    ("1/2/99", date(1999, 2, 1)),  # a two-digit year more than 10 years ahead is the 1900s
    ("3 may", date(2026, 5, 3)),
    ("next Tuesday 3 March 2026", date(2026, 3, 3)),  # the date, not the weekday, decides
])
def test_parse_date_forms(text: str, expected: date) -> None:
    assert parse_date(text, TODAY).value == expected


def test_parse_date_keeps_the_matched_words() -> None:
    assert parse_date("3rd March", TODAY).text == "3rd March"
    assert parse_date("  on 3 March 2026. ", TODAY) == ParsedDate(date(2026, 3, 3), "3 March 2026")


def test_last_weekday_on_that_weekday_is_a_week_ago() -> None:
    tuesday = date(2026, 11, 24)
    assert parse_date("last Tuesday", tuesday).value == date(2026, 11, 17)
    assert parse_date("Tuesday", tuesday).value == tuesday


def test_a_month_ago_from_a_month_end_is_clamped() -> None:
    assert parse_date("a month ago", date(2026, 3, 31)).value == date(2026, 2, 28)


@pytest.mark.parametrize(("text", "assumed"), [
    ("03/04/2026", "I read 03/04/2026 the UK way, as 3 April 2026."),
    ("3.4.2026", "I read 3.4.2026 the UK way, as 3 April 2026."),
    ("3 March", "You didn't give a year, so I took 3 March 2026."),
    ("last Tuesday", "I took last Tuesday to mean Tuesday 17 November 2026."),
    ("on Tuesday", "I took Tuesday to mean Tuesday 17 November 2026."),
    ("2 weeks ago", "I took 2 weeks ago to mean Monday 9 November 2026."),
    ("Monday 14 April 2026",
     "You wrote Monday, but 14 April 2026 is a Tuesday; I went by the date."),
    ("03/03/2026", ""),  # day and month are the same: nothing to be unsure of
    ("13/04/2026", ""),  # 13 can only be the day
    ("2026-04-03", ""),
    ("3 March 2026", ""),
    ("yesterday", ""),
])
def test_assumptions_are_said(text: str, assumed: str) -> None:
    assert parse_date(text, TODAY).assumed == assumed


@pytest.mark.parametrize(("text", "expected", "taken"), [
    ("3 March", date(2026, 3, 3), "3 March 2026"),  # the most recent, 265 days back
    ("22 November", date(2026, 11, 22), "22 November 2026"),
    ("25 January", date(2026, 1, 25), "25 January 2026"),  # 302 days back, next 63 days off
    ("20 January", date(2027, 1, 20), "20 January 2027"),  # 307 days back, next 58 days off
    ("24 November", date(2026, 11, 24), "24 November 2026"),  # 364 days back: tomorrow is meant
    ("29 February", date(2024, 2, 29), "29 February 2024"),  # the last leap day
])
def test_a_missing_year_is_the_recent_one_unless_the_next_is_close(text: str, expected: date,
                                                                   taken: str) -> None:
    parsed = parse_date(text, TODAY)
    assert parsed.value == expected
    assert parsed.assumed == f"You didn't give a year, so I took {taken}."


@pytest.mark.parametrize(("text", "message"), [
    ("31 April 2026", "'31 April 2026' is not a real date: April 2026 has 30 days"),
    ("29 February 2027", "'29 February 2027' is not a real date: February 2027 has 28 days"),
    ("31/04/2026", "'31/04/2026' is not a real date"),
    ("30.02.2026", "'30.02.2026' is not a real date"),
    ("31 April", "'31 April' is not a real date: April never has 31 days"),
    ("12/25/2026", "there is no month 25. Dates are read day first"),
])
def test_impossible_dates_are_rejected_by_name(text: str, message: str) -> None:
    with pytest.raises(DeadlineError, match=re.escape(message)):
        parse_date(text, TODAY)
    with pytest.raises(DeadlineError):
        find_dates(f"The letter was dated {text}.", TODAY)


@pytest.mark.parametrize("text", ["", "hello", "3 March and 4 March", "6 weeks", "3/4", "2026"])
def test_parse_date_needs_exactly_one_date(text: str) -> None:
    with pytest.raises(DeadlineError, match="for example 3 March 2026"):
        parse_date(text, TODAY)


def test_errors_echo_no_more_than_the_date_text() -> None:
    secret = "my son Alfie Smith at Oakfield Primary has autism and " * 3
    with pytest.raises(DeadlineError) as err:
        parse_date(secret, TODAY)
    assert "Oakfield" in str(err.value)  # the first 40 characters only
    assert len(re.findall("Alfie", str(err.value))) == 1
    assert issubclass(DeadlineError, SendAssistantError)


@pytest.mark.parametrize("text", [
    "The council has 6 weeks to decide (reg 5(1)) and 20 weeks for the final plan.",
    "Schools needn't spend £6,000 first (s.36); you get 15 days for the draft.",
    "In 2026 the meeting is at 3.30, or 10.45; see para 9.14 and reg 10.4.2.",
    "Scores were 45/60/70 and 2024/25 and 2024-25; funding for March 2026.",
    "I sat with the SENCo; she works Tuesdays. 1 in 5 pupils, 3 may be affected.",
    "Children in year 6 may need more help, and year 11 may too.",
])
def test_things_that_are_not_dates_are_not_matched(text: str) -> None:
    assert find_dates(text, TODAY) == []
    assert find_date(text, TODAY) is None


def test_find_dates_in_order_of_appearance() -> None:
    text = ("We asked on 3 March 2026, heard nothing for 6 weeks, chased last Tuesday and "
            "the review was on Tuesday, 31/03/2026 at 3.30.")
    found = find_dates(text, TODAY)
    assert [p.value for p in found] == [date(2026, 3, 3), date(2026, 11, 17), date(2026, 3, 31)]
    assert [p.text for p in found] == ["3 March 2026", "last Tuesday", "on Tuesday, 31/03/2026"]
    assert find_dates("on Tuesday at 3pm", TODAY)[0].value == date(2026, 11, 17)
    first = find_date(text, TODAY)
    assert first is not None and first.value == date(2026, 3, 3)


def test_format_date() -> None:
    assert format_date(date(2026, 4, 14)) == "Tuesday 14 April 2026"
    assert format_date(date(2027, 1, 4)) == "Monday 4 January 2027"


# --- the command -----------------------------------------------------------------------------

def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["deadline", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_prints_the_deadline_and_its_authority(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "assess", "3", "March", "2026", "--today", "2026-11-23")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == ("The council's decision whether to carry out an EHC needs assessment: "
                        "Tuesday 14 April 2026")
    assert lines[1] == ("  6 weeks from Tuesday 3 March 2026 (the day the council received the "
                        "request) — SEND Regulations 2014, reg 5(1)")
    assert lines[2].startswith("  Exceptions: ") and "reg 5(4)" in lines[2]
    assert lines[-1] == "  This date has passed."


def test_cli_says_how_it_read_the_date(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "draft", "03/04/2026", "--today", "2026-04-10")
    assert code == 0
    assert "Friday 17 April 2026" in out.splitlines()[0]
    assert "I read 03/04/2026 the UK way, as 3 April 2026." in out
    assert "has passed" not in out


def test_cli_json_with_a_certificate(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "appeal", "15 October 2026", "--certificate", "1/12/26",
                       "--today", "23 November 2026", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["kind"] == "appeal" and data["due"] == "2027-01-04"
    assert data["due_text"] == "Monday 4 January 2027" and data["passed"] is False
    assert data["authority"] == "Tribunal Procedure Rules 2008, r.20"
    assert data["doc_id"] == "tribunal-appeals"
    assert data["assumed"] == "I read 1/12/26 the UK way, as 1 December 2026."
    assert data["start"] == "2026-10-15"


def test_cli_json_carries_the_assumption(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "phase", "1", "September", "--today", "2026-11-23", "--json")
    data = json.loads(out)
    assert code == 0 and data["start"] == "2026-09-01" and data["due"] == "2026-02-15"
    assert data["assumed"] == "You didn't give a year, so I took 1 September 2026."


def test_cli_bad_kind_exits_1_listing_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "appeals", "3/3/2026")
    assert code == 1 and out == ""
    assert err.startswith("error: There is no deadline called 'appeals'")
    assert "appeal (tribunal, 2-months)" in err


def test_cli_bad_date_exits_1_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "assess", "31", "April", "2026")
    assert code == 1
    assert err.startswith("error: '31 April 2026' is not a real date: April 2026 has 30 days")
    code, _, err = run(capsys, "assess", "soon")
    assert code == 1 and "I couldn't read 'soon' as one date" in err


def test_cli_help_lists_every_kind_with_its_rule(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["deadline", "--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0
    for kind, rule in RULES.items():
        assert kind in out and rule.authority in out
    assert "6 weeks from the day the council received the request" in out
    assert "15 February in the calendar year of the move" in out

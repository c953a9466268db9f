from assistant.types import Answer, Citation, Signpost
from assistant.web import render
from tests.assistant.helpers import passage

CITATION = Citation(1, "six-week", "The 6-week decision", "The deadline",
                    ["SEND Regulations 2014, reg 5(1)", "SEND Code of Practice 2015, para 9.14"],
                    "https://www.legislation.gov.uk/uksi/2014/1530/regulation/5",
                    "The council must decide within 6 weeks <of the request>.")
CRISIS = [Signpost("emergency-999", "Emergency services (999)", "Immediate danger", "Call 999"),
          Signpost("samaritans", "Samaritans", "Someone to talk to", "Call 116 123",
                   "https://www.samaritans.org")]


def test_a_source_card_is_numbered_expandable_and_escaped() -> None:
    html = render.sources_html(Answer("answer", "text [1]", [CITATION]))
    assert '<details class="source-card" id="source-1">' in html
    assert "<summary><span class=\"source-n\">[1]</span>" in html
    assert "SEND Code of Practice 2015, para 9.14" in html
    assert "&lt;of the request&gt;" in html and "<of the request>" not in html
    assert 'href="https://www.legislation.gov.uk/uksi/2014/1530/regulation/5"' in html
    assert 'rel="noopener noreferrer"' in html


def test_only_web_links_are_rendered() -> None:
    bad = Citation(1, "d", "T", "", [], "javascript:alert(1)", "q")
    assert "javascript:" not in render.sources_html(Answer("answer", "t", [bad]))


def test_no_sources_no_panel() -> None:
    assert render.sources_html(Answer("not_found", "no")) == ""
    assert render.sources_html(None) == ""


def test_safeguarding_help_is_an_alert_with_crisis_numbers_first() -> None:
    html = render.help_html(Answer("safeguarding", "call 999", signposts=CRISIS))
    assert 'role="alert"' in html and "help-urgent" in html
    assert html.index("call 999 now") < html.index("Emergency services") < html.index("116 123")


def test_not_found_help_is_prominent_but_calm() -> None:
    sendiass = Signpost("sendiass", "Local SENDIASS", "Free advice", "Find your local service")
    html = render.help_html(Answer("not_found", "I couldn't find this", signposts=[sendiass]))
    assert "Who can help with this" in html and 'role="alert"' not in html


def test_status_lines_say_what_happened() -> None:
    assert render.status_text(Answer("answer", "t", [CITATION])) == (
        "Answer ready, with 1 numbered sources below.")
    assert "urgent help" in render.status_text(Answer("safeguarding", "t"))


def test_helpline_citations_copy_the_label() -> None:
    html = render.helpline_answer_html(Answer("answer", "A line.\nAnother.", [CITATION]))
    label = "SEND Regulations 2014, reg 5(1) — The 6-week decision"
    assert CITATION.label() == label
    assert f'data-copy="{label}"' in html and "<p>Another.</p>" in html


def test_helpline_passages_show_rank_score_authorities_and_a_copy_button() -> None:
    html = render.passages_html([passage("The council must decide.", rank=1, doc_id="six")])
    assert "#1" in html and "score 1.0000" in html
    assert 'data-copy="SEND Regulations 2014, reg 5(1) — Title of six"' in html
    assert "No passages" in render.passages_html([])


def test_a_letter_is_previewed_and_downloadable_without_touching_disk(tmp_path, monkeypatch
                                                                     ) -> None:
    import base64
    import io
    import re
    from datetime import date

    import docx

    from assistant.letters import fill, load_letters

    monkeypatch.chdir(tmp_path)
    template = load_letters()["formal-complaint-to-school"]
    letter = fill(template, "I want to complain formally about my son Ollie <b>", [],
                  date(2026, 11, 23))
    answer = Answer("answer", "Text [1]", [CITATION], tool="letter", letter=letter)
    html = render.panel_html(answer)

    assert html.index('class="letter"') < html.index('class="sources"')
    assert "<b>" not in html  # what the user typed is escaped
    links = dict(re.findall(r'download="([^"]+)" href="data:[^;]+(?:;charset=utf-8)?;base64,'
                            r'([^"]+)"', html))
    assert set(links) == {"formal-complaint-to-school.txt", "formal-complaint-to-school.docx"}
    text = base64.b64decode(links["formal-complaint-to-school.txt"]).decode("utf-8")
    assert text == letter.text and "Education Act 2002, s.29" in text
    word = docx.Document(io.BytesIO(base64.b64decode(links["formal-complaint-to-school.docx"])))
    assert "complaint" in "\n".join(p.text for p in word.paragraphs).lower()
    assert list(tmp_path.iterdir()) == []  # nothing was written


def test_no_letter_no_letter_panel() -> None:
    answer = Answer("answer", "Text [1]", [CITATION])
    assert 'class="letter"' not in render.panel_html(answer)

import base64
import io
import re
from datetime import date
from html import unescape

from assistant.types import Answer, Citation, Signpost, Suggestion
from assistant.web import render
from tests.assistant.helpers import passage

PASSAGE = ("The council must decide within 6 weeks <of the request>.\n"
           "It must say why if it refuses.")
CITATION = Citation(1, "six-week", "The 6-week decision", "The deadline",
                    ["SEND Regulations 2014, reg 5(1)", "SEND Code of Practice 2015, para 9.14"],
                    "https://www.legislation.gov.uk/uksi/2014/1530/regulation/5",
                    "The council must decide within 6 weeks <of the request>.", PASSAGE, "p1")
SECOND = Citation(2, "six-week", "The 6-week decision", "If the council refuses",
                  ["SEND Regulations 2014, reg 5(3)"], "https://example.org/refuses",
                  "It must give reasons.",
                  "It must give reasons:\n\n- the right to appeal;\n\n- mediation.", "p2")
CARD_TEXT = ("The council must decide within 6 weeks.\n"
             "- The decision is due 6 weeks after the request. [1]\n"
             "- A refusal must give reasons. [2]\n"
             "Answering: How long does the council get to decide?\n\n"
             "This is general information, not legal advice.")
CARD_ANSWER = Answer("answer", CARD_TEXT, [CITATION, SECOND], card="assessment-decision-time",
                     answering="How long does the council get to decide?",
                     suggestions=[Suggestion("late", "What if the council is late?")])


def copied(html: str, label: str) -> str:
    """What the copy button labelled `label` copies."""
    found = re.search(r'data-copy="([^"]*)"[^>]*>' + re.escape(label) + "<", html)
    assert found, f"no {label!r} button"
    return unescape(found[1])


CRISIS = [Signpost("emergency-999", "Emergency services (999)", "Immediate danger", "Call 999"),
          Signpost("samaritans", "Samaritans", "Someone to talk to", "Call 116 123",
                   "https://www.samaritans.org")]


def test_markdown_lists_and_tables_are_rendered_and_raw_html_is_escaped() -> None:
    html = render.markdown_html("Steps:\n\n- Write a letter\n- State clearly <b>what</b>\n\n"
                                "| Stage | Limit |\n|---|---|\n| Decide | 6 weeks |")
    assert "<ul>" in html and "<li>Write a letter</li>" in html
    assert "<table>" in html and "<td>6 weeks</td>" in html
    assert "&lt;b&gt;what&lt;/b&gt;" in html and "<b>" not in html


def test_only_web_links_survive_markdown() -> None:
    html = render.markdown_html("[bad](javascript:alert(1)) and [good](https://example.org)")
    assert 'href="javascript' not in html
    assert 'href="https://example.org" target="_blank" rel="noopener noreferrer"' in html


def test_a_line_after_a_list_is_not_swallowed_by_its_last_item() -> None:
    html = render.markdown_html("- one\n- two\nAfter the list.")
    assert "<li>two</li>" in html and "<p>After the list.</p>" in html


def test_an_answer_carries_its_own_numbered_sources_and_links_each_marker() -> None:
    html = render.answer_html(CARD_ANSWER, turn=3)
    # Each [n] links to this answer's own card n (ids are unique on the page).
    assert html.count('class="cite-ref" href="#a3-source-1"') == 1
    assert 'href="#a3-source-2"' in html
    assert '<details class="source-card" id="a3-source-1">' in html
    assert '<details class="source-card" id="a3-source-2">' in html
    assert "<li>The decision is due 6 weeks after the request." in html  # points are a list
    # Cards are labelled with the passage's own title and section, so two cards of one note
    # tell themselves apart.
    assert "The 6-week decision — The deadline" in html
    assert "The 6-week decision — If the council refuses" in html
    # The whole passage, Markdown rendered, with the quoted sentence marked and escaped.
    assert '<mark class="source-quoted">The council must decide within 6 weeks &lt;of the ' \
           "request&gt;.</mark>" in html
    assert re.search(r"<li>\s*(<p>)?the right to appeal;", html)
    assert "<of the request>" not in html


def test_an_answer_names_the_question_it_answers_and_closes_with_the_disclaimer() -> None:
    html = render.answer_html(CARD_ANSWER, turn=1)
    assert ('<p class="answering"><span class="answering-label">Answering:</span> How long '
            "does the council get to decide?</p>") in html
    assert html.index('class="sources"') < html.index('class="disclaimer"')
    assert render.SUGGESTIONS_LEAD in html  # the suggestions follow, as buttons under it


def test_the_copy_answer_button_copies_text_and_full_sources() -> None:
    html = render.answer_html(CARD_ANSWER, turn=1)
    text = copied(html, "Copy answer")
    assert "[1] SEND Regulations 2014, reg 5(1) — The 6-week decision (The deadline)" in text
    assert "https://www.legislation.gov.uk/uksi/2014/1530/regulation/5" in text


def test_copied_text_keeps_its_line_breaks_as_entities() -> None:
    """Gradio re-indents a message's lines, so text whose breaks matter (copied text, the
    letter) carries them as entities."""
    html = render.answer_html(CARD_ANSWER, turn=1)
    raw = re.search(r'data-copy="([^"]*)"', html)
    assert raw and "\n" not in raw[1] and "&#10;" in raw[1]


def test_only_web_links_are_rendered() -> None:
    bad = Citation(1, "d", "T", "", [], "javascript:alert(1)", "q")
    assert "javascript:" not in render.sources_html(Answer("answer", "t", [bad]))


def test_no_sources_no_panel() -> None:
    assert render.sources_html(Answer("not_found", "no")) == ""
    assert render.sources_html(None) == ""


def test_a_no_direct_answer_reply_keeps_its_passages_lists_and_tables() -> None:
    text = ("I don't have a direct answer to that question. These are the closest passages "
            "in the guidance I hold:\n\nDeadlines — The stages [1]\n| Stage | Limit |\n|---|---|\n"
            "| Decide | 6 weeks |\n\nThis is general information, not legal advice.")
    html = render.answer_html(Answer("answer", text, [CITATION]), turn=2)
    assert "<table>" in html and "<td>6 weeks</td>" in html
    assert 'href="#a2-source-1"' in html


def test_safeguarding_help_is_open_with_crisis_numbers_first() -> None:
    html = render.help_html(Answer("safeguarding", "call 999", signposts=CRISIS))
    assert "help-urgent" in html and "<details" not in html
    assert html.index("call 999 now") < html.index("Emergency services") < html.index("116 123")


def test_after_an_answer_help_is_collapsed_and_not_found_help_is_open() -> None:
    sendiass = Signpost("sendiass", "Local SENDIASS", "Free advice", "Find your local service")
    assert render.help_html(Answer("answer", "t", signposts=[sendiass])).startswith(
        '<details class="help help-answer">')
    html = render.help_html(Answer("not_found", "I couldn't find this", signposts=[sendiass]))
    assert "Who can help with this" in html and "<details" not in html
    assert 'role="alert"' not in html  # the conversation, a live log, announces it once


def test_status_lines_say_where_the_sources_are() -> None:
    assert render.status_text(Answer("answer", "t", [CITATION])) == (
        "Answer ready, with 1 numbered source under it.")
    assert render.status_text(Answer("answer", "t", [CITATION, SECOND])) == (
        "Answer ready, with 2 numbered sources under it.")
    assert "urgent help" in render.status_text(Answer("safeguarding", "t"))
    assert "below" not in render.status_text(Answer("answer", "t", [CITATION]))


def test_the_status_line_is_not_a_live_region_but_a_problem_is_an_alert() -> None:
    assert "role=" not in render.status_html("Answer ready.")
    assert render.status_html("Please type a question.", alert=True) == (
        '<p class="chat-status" role="alert">Please type a question.</p>')


def test_what_the_user_typed_is_shown_as_text() -> None:
    assert render.user_html("<img src=x onerror=alert(1)>\nok") == (
        '<p class="user-text">&lt;img src=x onerror=alert(1)&gt;&#10;ok</p>')


def test_helpline_citations_copy_authority_title_link_and_quote() -> None:
    html = render.helpline_answer_html(CARD_ANSWER)
    text = copied(html, "Copy citation")
    assert text == CITATION.full()
    assert text.split("\n") == [
        "SEND Regulations 2014, reg 5(1) — The 6-week decision (The deadline)",
        "https://www.legislation.gov.uk/uksi/2014/1530/regulation/5",
        "\u201cThe council must decide within 6 weeks <of the request>.\u201d"]


def test_the_helpline_names_the_card_and_shows_no_internal_labels() -> None:
    html = render.helpline_answer_html(CARD_ANSWER)
    assert "<code>assessment-decision-time</code>" in html
    assert '<h2 id="hl-answer-heading">Answer</h2>' in html
    assert "(answer)" not in html and "score" not in html
    html = render.helpline_answer_html(Answer("not_found", "Not here."))
    assert "Not covered by the guidance" in html and "not_found" not in html
    html = render.helpline_answer_html(Answer("answer", "Closest passages.", [CITATION]))
    assert "No answer card matched" in html


def test_helpline_passages_show_rank_authorities_markdown_and_no_score() -> None:
    p = passage("Do this:\n\n- Write a letter\n- State clearly what you want", rank=1,
                doc_id="six")
    html = render.passages_html([p])
    assert "#1" in html and "score" not in html and "1.0000" not in html
    assert "<li>Write a letter</li>" in html
    assert copied(html, "Copy citation").startswith(
        "SEND Regulations 2014, reg 5(1) — Title of six (Section)\n"
        "https://example.org/x\n\u201cDo this:")
    assert "No passages" in render.passages_html([])


def test_a_letter_is_previewed_copyable_and_downloadable_without_touching_disk(
        tmp_path, monkeypatch) -> None:
    import docx

    from assistant.letters import fill, load_letters

    monkeypatch.chdir(tmp_path)
    template = load_letters()["formal-complaint-to-school"]
    letter = fill(template, "I want to complain formally about my son Ollie <b>", [],
                  date(2026, 11, 23))
    answer = Answer("answer", "Text [1]", [CITATION], tool="letter", letter=letter)
    html = render.answer_html(answer, turn=1)

    assert html.index('class="letter"') < html.index('class="sources"')
    assert "<b>" not in html  # what the user typed is escaped
    assert copied(html, "Copy the letter") == letter.text
    links = dict(re.findall(r'download="([^"]+)" href="data:[^;]+(?:;charset=utf-8)?;base64,'
                            r'([^"]+)"', html))
    assert set(links) == {"formal-complaint-to-school.txt", "formal-complaint-to-school.docx"}
    text = base64.b64decode(links["formal-complaint-to-school.txt"]).decode("utf-8")
    assert text == letter.text and "Education Act 2002, s.29" in text
    word = docx.Document(io.BytesIO(base64.b64decode(links["formal-complaint-to-school.docx"])))
    assert "complaint" in "\n".join(p.text for p in word.paragraphs).lower()
    assert list(tmp_path.iterdir()) == []  # nothing was written


def test_no_letter_no_letter_panel() -> None:
    assert 'class="letter"' not in render.answer_html(Answer("answer", "Text [1]", [CITATION]),
                                                      turn=1)

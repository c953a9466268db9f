"""The chat and helpline handlers, called as Gradio calls them (no browser)."""

from __future__ import annotations

from typing import Any

from assistant.answer import Engine
from assistant.settings import Settings
from assistant.web.limits import BUSY_MESSAGE
from assistant.web.service import EngineProvider, WebService
from assistant.web.ui import look_up, respond
from tests.conftest import FakeEmbedder
from tests.web.conftest import BlockingEngine

QUESTION = "How long does the council have to decide whether to carry out an EHC assessment?"


def service_for(engine: Any, settings: Settings, **changes: Any) -> WebService:
    s = settings.with_(**changes)
    return WebService(s, EngineProvider(s, engine=engine))


def test_the_answer_streams_then_shows_sources_and_history(engine: Engine,
                                                            web_settings: Settings) -> None:
    steps = list(respond(service_for(engine, web_settings), QUESTION, [], [], "1.2.3.4"))
    chat, box, panel, status, history = steps[-1]
    assert len(steps) > 3  # the question, the pieces, the final answer
    assert box == "" and chat[0] == {"role": "user", "content": QUESTION}
    assert "6 weeks" in chat[-1]["content"]
    assert '<details class="source-card" id="source-1">' in panel
    assert panel.index("Sources for this answer") < panel.index("Local SENDIASS")
    assert status.startswith("Answer ready")
    assert [t["role"] for t in history] == ["user", "assistant"]
    streamed = [s[0][-1]["content"] for s in steps[1:-1]]
    assert any(len(a) < len(b) for a, b in zip(streamed, streamed[1:], strict=False))


def test_a_follow_up_passes_the_history(engine: Engine, web_settings: Settings) -> None:
    service = service_for(engine, web_settings)
    *_, first = respond(service, QUESTION, [], [], "c")
    *_, second = respond(service, "And what if they miss it?", first[0], first[4], "c")
    assert len(second[0]) == 4 and len(second[4]) == 4
    assert second[0][-1]["role"] == "assistant" and second[0][-1]["content"]


def test_safeguarding_puts_crisis_help_first(engine: Engine, web_settings: Settings) -> None:
    *_, last = respond(service_for(engine, web_settings),
                       "my daughter has been self harming and says she wants to die", [], [], "c")
    chat, _, panel, status, _ = last
    assert chat[-1]["content"].startswith("If a child is in immediate danger, call 999")
    assert panel.startswith('<section class="help help-urgent" role="alert"')
    assert panel.index("999") < panel.index("Samaritans")
    assert "urgent" in status


def test_an_empty_question_is_explained_not_sent(engine: Engine,
                                                 web_settings: Settings) -> None:
    (step,) = list(respond(service_for(engine, web_settings), "   ", [], [], "c"))
    assert step[0] == [] and "empty" in step[3]


def test_busy_shows_the_friendly_message(engine: Engine, web_settings: Settings) -> None:
    blocking = BlockingEngine(engine)
    service = service_for(blocking, web_settings, max_concurrent_answers=1)
    service.gate.acquire()  # another answer is in progress
    *_, last = respond(service, QUESTION, [], [], "c")
    chat, box, _, status, history = last
    assert chat[-1] == {"role": "assistant", "content": BUSY_MESSAGE}
    assert box == QUESTION and status == BUSY_MESSAGE and history == []


def test_the_rate_limit_applies_to_the_chat(engine: Engine, web_settings: Settings) -> None:
    service = service_for(engine, web_settings, rate_limit_per_minute=1)
    list(respond(service, QUESTION, [], [], "c"))
    *_, last = respond(service, QUESTION, [], [], "c")
    assert "a lot of questions" in last[0][-1]["content"]


def test_no_index_says_so_kindly(settings: Settings) -> None:
    service = WebService(settings, EngineProvider(settings, embedder=FakeEmbedder()))
    service.provider.load()
    *_, last = respond(service, QUESTION, [], [], "c")
    assert "not available right now" in last[0][-1]["content"]


def test_helpline_look_up_gives_answer_passages_and_filters(engine: Engine,
                                                            web_settings: Settings) -> None:
    service = service_for(engine, web_settings)
    answer, passages = look_up(service, QUESTION, "", "", 5, "c")
    assert "Citations" in answer and "copy-btn" in answer
    assert passages.count('class="hl-passage"') == 5
    _, filtered = look_up(service, QUESTION, "", "six-week-decision-to-assess", 3, "c")
    assert filtered.count('class="hl-passage"') >= 1
    assert "The 6-week decision on whether to assess" in filtered
    notice, none = look_up(service, "", "", "", 5, "c")
    assert "empty" in notice and none == ""


def test_the_kept_conversation_holds_no_contact_details(engine: Engine,
                                                         web_settings: Settings) -> None:
    question = "I'm on 07700 900123 or jane@example.com. " + QUESTION
    *_, last = respond(service_for(engine, web_settings), question, [], [], "c")
    history = last[4]
    assert history[0]["content"].startswith("I'm on [phone] or [email].")
    assert "07700" not in str(history) and "jane@" not in str(history)

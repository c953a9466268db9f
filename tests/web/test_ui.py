"""The chat and helpline handlers, called as Gradio calls them (no browser)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.answer import Engine
from assistant.settings import Settings
from assistant.web.flags import FlagStore
from assistant.web.limits import BUSY_MESSAGE
from assistant.web.service import EngineProvider, WebService
from assistant.web.ui import flag_answer, look_up, respond, search_again, welcome
from tests.conftest import FakeEmbedder
from tests.web.conftest import BlockingEngine

QUESTION = "How long does the council have to decide whether to carry out an EHC assessment?"


def service_for(engine: Any, settings: Settings, **changes: Any) -> WebService:
    s = settings.with_(**changes)
    return WebService(s, EngineProvider(s, engine=engine))


def test_the_question_and_its_whole_answer_arrive_in_one_change(engine: Engine,
                                                                 web_settings: Settings) -> None:
    steps = list(respond(service_for(engine, web_settings), QUESTION, [], [], "1.2.3.4"))
    # First only the status line changes (it is not a live region); then the conversation
    # changes once, so a screen reader announces the answer once.
    assert len(steps) == 2
    looking, (chat, kept, box, status, history) = steps
    assert "Looking through the guidance" in looking[3]
    assert chat is kept and box == ""
    assert chat[0]["content"] == welcome()[0]["content"]
    assert chat[1] == {"role": "user", "content": f'<p class="user-text">{QUESTION}</p>'}
    answer = chat[2]["content"]
    assert "6 weeks" in answer
    assert '<details class="source-card" id="a1-source-1">' in answer
    assert 'class="cite-ref" href="#a1-source-1"' in answer
    assert answer.index('class="sources"') < answer.index("Local SENDIASS")
    assert "Answer ready" in status and "under it" in status
    assert [t["role"] for t in history] == ["user", "assistant"]
    assert "Answering: " in history[1]["content"]  # the engine reads it in a follow-up


def test_suggested_follow_ups_are_options_under_the_answer(engine: Engine,
                                                          web_settings: Settings) -> None:
    *_, (chat, *_) = respond(service_for(engine, web_settings), QUESTION, [], [], "c")
    options = chat[-1].get("options")
    assert options and all(o["value"] == o["label"] for o in options)
    assert 1 <= len(options) <= 3
    assert '<p class="answering">' in chat[-1]["content"]


def test_each_answer_keeps_its_own_sources(engine: Engine, web_settings: Settings) -> None:
    service = service_for(engine, web_settings)
    *_, first = respond(service, QUESTION, [], [], "c")
    *_, second = respond(service, "Can I appeal if the council refuses to assess?", first[1],
                         first[4], "c")
    chat = second[0]
    assert len(chat) == 5 and len(second[4]) == 4
    assert chat[2]["content"] == first[0][2]["content"]  # the first answer is untouched
    assert 'id="a1-source-1"' in chat[2]["content"]
    assert 'id="a2-source-1"' in chat[4]["content"] and "a1-source" not in chat[4]["content"]


def test_safeguarding_puts_crisis_help_first(engine: Engine, web_settings: Settings) -> None:
    *_, last = respond(service_for(engine, web_settings),
                       "my daughter has been self harming and says she wants to die", [], [], "c")
    chat, _, _, status, _ = last
    answer = chat[-1]["content"]
    assert "If a child is in immediate danger, call 999" in answer
    assert answer.index("999") < answer.index("Samaritans")
    assert "help-urgent" in answer
    assert "urgent" in status


def test_an_empty_question_is_explained_not_sent(engine: Engine,
                                                 web_settings: Settings) -> None:
    (step,) = list(respond(service_for(engine, web_settings), "   ", [], [], "c"))
    assert "empty" in step[3] and 'role="alert"' in step[3]


def test_busy_shows_the_friendly_message(engine: Engine, web_settings: Settings) -> None:
    blocking = BlockingEngine(engine)
    service = service_for(blocking, web_settings, max_concurrent_answers=1)
    service.gate.acquire()  # another answer is in progress
    *_, last = respond(service, QUESTION, [], [], "c")
    chat, _, box, status, history = last
    assert chat[-1] == {"role": "assistant",
                        "content": f'<p class="notice-text">{BUSY_MESSAGE}</p>'}
    assert box == QUESTION and BUSY_MESSAGE in status and history == []


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
    answer, passages, shown = look_up(service, QUESTION, "", "", 5, "c")
    assert "Citations" in answer and "copy-btn" in answer
    assert "Answered by the card <code>" in answer
    assert passages.count('class="hl-passage"') == 5
    assert shown and shown["question"] == QUESTION
    filtered = search_again(service, shown, "", "six-week-decision-to-assess", 3, "c")
    assert filtered.count('class="hl-passage"') >= 1
    assert "The 6-week decision on whether to assess" in filtered
    notice, none, nothing = look_up(service, "", "", "", 5, "c")
    assert "empty" in notice and none == "" and nothing is None


def test_a_flag_is_kept_only_when_an_adviser_sends_one(engine: Engine, web_settings: Settings,
                                                       tmp_path: Path) -> None:
    store = FlagStore(tmp_path / "flags.sqlite3")
    service = service_for(engine, web_settings)
    *_, shown = look_up(service, "My son Barnaby, on 07700 900123: " + QUESTION, "", "", 3, "c")
    assert not store.path.exists()  # a look-up stores nothing
    message, kept = flag_answer(store, shown, "wrong", "", "", "")
    assert not kept and "say why" in message
    message, kept = flag_answer(store, None, "wrong", "Wrong deadline", "", "")
    assert not kept and "Search first" in message
    message, kept = flag_answer(store, shown, "wrong", "It should mention term time",
                                "No. 6 weeks, whatever the term.",
                                "SEND Regulations 2014, reg 5(1)")
    assert kept and "Flag 1 saved" in message
    (flag,) = store.all()
    assert flag.verdict == "wrong" and flag.card == "assessment-decision-time"
    assert flag.question.startswith("My son [name], on [phone]: ")  # details taken out
    assert "07700" not in flag.question and "Barnaby" not in flag.question
    assert flag.citations and "https://" in flag.citations[0]


def test_the_kept_conversation_holds_no_contact_details(engine: Engine,
                                                         web_settings: Settings) -> None:
    question = "I'm on 07700 900123 or jane@example.com. " + QUESTION
    *_, last = respond(service_for(engine, web_settings), question, [], [], "c")
    history = last[4]
    assert history[0]["content"].startswith("I'm on [phone] or [email].")
    assert "07700" not in str(history) and "jane@" not in str(history)

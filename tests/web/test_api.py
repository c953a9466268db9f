from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.answer import Engine
from assistant.settings import Settings
from assistant.web.app import build_app
from assistant.web.limits import BUSY_MESSAGE
from assistant.web.middleware import INTERNAL_ERROR
from tests.conftest import FakeEmbedder
from tests.web.conftest import BlockingEngine

QUESTION = "How long does the council have to decide whether to carry out an EHC assessment?"


def only_error(response: Any) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    assert "Traceback" not in response.text
    return str(body["error"])


def test_healthz_reports_the_index(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["ready"] is True and body["status"] == "ready"
    assert body["chunks"] > 50 and body["documents"] > 10
    assert body["model"] == "all-MiniLM-L6-v2"


def test_ask_returns_a_cited_answer(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": QUESTION})
    assert r.status_code == 200
    body = r.json()
    assert body["kind"] == "answer" and "6 weeks" in body["text"]
    first = body["citations"][0]
    assert set(first) == {"n", "doc_id", "title", "section", "authorities", "url", "quote",
                          "passage", "passage_id"}
    assert any("reg 5" in a for c in body["citations"] for a in c["authorities"])
    assert "passages" not in body


def test_ask_can_include_passages(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": QUESTION, "include_passages": True})
    passages = r.json()["passages"]
    assert passages and passages[0]["rank"] == 1 and passages[0]["text"]


def test_a_follow_up_uses_the_history(client: TestClient) -> None:
    first = client.post("/api/ask", json={"question": QUESTION}).json()
    history = [{"role": "user", "content": QUESTION},
               {"role": "assistant", "content": first["text"]}]
    r = client.post("/api/ask", json={"question": "And what if they miss it?",
                                      "history": history})
    assert r.status_code == 200 and r.json()["kind"] == "answer"


def test_safeguarding_answers_carry_crisis_signposts_first(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "My son says he wants to kill himself"})
    body = r.json()
    assert body["kind"] == "safeguarding"
    assert body["signposts"][0]["id"] == "emergency-999"


def test_search_ranks_passages(client: TestClient) -> None:
    r = client.post("/api/search", json={"query": "annual review of an EHC plan", "k": 3})
    assert r.status_code == 200
    passages = r.json()["passages"]
    assert [p["rank"] for p in passages] == [1, 2, 3]
    assert {"rank", "score", "title", "section", "authorities", "url", "text",
            "doc_id"} <= set(passages[0])
    assert passages[0]["score"] >= passages[-1]["score"]


def test_search_filters_by_topic_and_source(client: TestClient) -> None:
    r = client.post("/api/search", json={"query": "deadline", "k": 5, "topic": "tribunal"})
    assert r.status_code == 200 and r.json()["passages"]
    doc = r.json()["passages"][0]["doc_id"]
    r = client.post("/api/search", json={"query": "deadline", "doc_id": doc})
    assert {p["doc_id"] for p in r.json()["passages"]} == {doc}


@pytest.mark.parametrize(("body", "message"), [
    ({"query": "deadline", "topic": "astrology"}, "no such topic"),
    ({"query": "deadline", "doc_id": "no-such-note"}, "no source document"),
])
def test_search_refuses_unknown_filters(client: TestClient, body: dict[str, Any],
                                        message: str) -> None:
    r = client.post("/api/search", json=body)
    assert r.status_code == 400 and message in only_error(r)


@pytest.mark.parametrize(("body", "message"), [
    ({"question": ""}, "the box was empty"),
    ({"question": "   \n "}, "the box was empty"),
    ({"question": "?!? 123"}, "in words"),
    ({"question": "x" * 2001}, "the limit is 2,000"),
])
def test_unusable_questions_are_400(client: TestClient, body: dict[str, Any],
                                    message: str) -> None:
    r = client.post("/api/ask", json=body)
    assert r.status_code == 400 and message in only_error(r)


@pytest.mark.parametrize("body", [
    {}, {"history": []}, {"question": 5}, {"question": None}, {"question": ["a question"]},
    {"question": QUESTION, "history": "earlier"},
    {"question": QUESTION, "history": [{"role": "bot", "content": "hi"}]},
    {"question": QUESTION, "history": [{"role": "user"}]},
    {"question": QUESTION, "include_passages": "yes"}, [QUESTION], QUESTION,
])
def test_missing_fields_and_wrong_types_are_422(client: TestClient, body: Any) -> None:
    r = client.post("/api/ask", json=body)
    assert r.status_code == 422
    assert only_error(r).startswith("Invalid request")


@pytest.mark.parametrize("body", [{"query": "x y z", "k": 0}, {"query": "x y z", "k": 51},
                                  {"query": "x y z", "k": "5"}, {"k": 3},
                                  {"query": "x y z", "topic": 7}])
def test_bad_search_requests_are_422(client: TestClient, body: dict[str, Any]) -> None:
    r = client.post("/api/search", json=body)
    assert r.status_code == 422 and only_error(r)


def test_malformed_json_is_400(client: TestClient) -> None:
    r = client.post("/api/ask", content=b'{"question": "half',
                    headers={"content-type": "application/json"})
    assert r.status_code == 400 and "not valid JSON" in only_error(r)


def test_an_oversized_body_is_413(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "x" * 300_000})
    assert r.status_code == 413 and only_error(r)


def test_validation_errors_do_not_echo_the_input(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": QUESTION, "history": [
        {"role": "parent", "content": "my number is 07700 900123"}]})
    assert r.status_code == 422 and "07700" not in r.text and "parent" not in r.text


def test_unknown_paths_and_methods_are_json(client: TestClient) -> None:
    assert client.get("/api/nothing").status_code == 404
    assert only_error(client.get("/api/nothing")) == "Not Found"
    r = client.get("/api/ask")
    assert r.status_code == 405 and only_error(r)


def test_openapi_is_served(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/search", "/healthz"} <= set(paths)
    assert "429" in paths["/api/ask"]["post"]["responses"]


def test_503_while_the_index_is_missing(settings: Settings, tmp_path: Path) -> None:
    app = build_app(settings, embedder=FakeEmbedder(), ui=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.post("/api/ask", json={"question": QUESTION})
        assert r.status_code == 503 and "not available" in only_error(r)
        assert r.headers["retry-after"]
        assert client.post("/api/search", json={"query": "deadline"}).status_code == 503
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json()["ready"] is False and health.json()["chunks"] == 0
        assert "send-assistant ingest" in health.json()["error"]


def test_rate_limit_per_client(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit_per_minute=2)
    for _ in range(2):
        assert client.post("/api/search", json={"query": "annual review"}).status_code == 200
    r = client.post("/api/ask", json={"question": QUESTION})
    assert r.status_code == 429 and "wait" in only_error(r)
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert client.get("/healthz").status_code == 200  # health checks are not limited


def test_busy_reply_is_immediate_and_the_loop_stays_responsive(
        engine: Engine, make_client: Callable[..., TestClient]) -> None:
    blocking = BlockingEngine(engine)
    client = make_client(eng=blocking, max_concurrent_answers=1, queue_size=0)
    first: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: first.update(
        r=client.post("/api/ask", json={"question": QUESTION})))
    worker.start()
    try:
        assert blocking.started.wait(10)
        t0 = time.perf_counter()
        busy = client.post("/api/ask", json={"question": QUESTION})
        health = client.get("/healthz")
        assert time.perf_counter() - t0 < 2
        assert busy.status_code == 503 and only_error(busy) == BUSY_MESSAGE
        assert busy.headers["retry-after"] == "2"
        assert health.status_code == 200
    finally:
        blocking.release.set()
        worker.join(10)
    assert first["r"].status_code == 200
    assert client.post("/api/ask", json={"question": QUESTION}).status_code == 200


class ExplodingEngine(BlockingEngine):
    def answer(self, question: object, history: Any = None) -> Any:
        raise RuntimeError("internal detail /srv/secret.py line 7")


def test_unexpected_errors_are_a_plain_500(engine: Engine,
                                           make_client: Callable[..., TestClient]) -> None:
    client = make_client(eng=ExplodingEngine(engine))
    r = client.post("/api/ask", json={"question": QUESTION})
    assert r.status_code == 500 and only_error(r) == INTERNAL_ERROR
    assert "secret" not in r.text


PRIVATE = ("My email is jane.doe@example.com and my phone is 07700 900123. "
           "How long does the council have to decide on an assessment?")


def test_no_question_text_in_logs_by_default(client: TestClient,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    assert client.post("/api/ask", json={"question": PRIVATE}).status_code == 200
    assert client.post("/api/search", json={"query": PRIVATE}).status_code == 200
    assert "answered kind=answer" in caplog.text
    for secret in ("jane.doe", "07700", "900123", "How long does the council"):
        assert secret not in caplog.text


def test_logged_questions_have_contact_details_redacted(
        make_client: Callable[..., TestClient], caplog: pytest.LogCaptureFixture) -> None:
    client = make_client(log_questions=True)
    caplog.set_level(logging.DEBUG)
    assert client.post("/api/ask", json={"question": PRIVATE}).status_code == 200
    assert client.post("/api/search", json={"query": PRIVATE}).status_code == 200
    assert "How long does the council" in caplog.text
    assert "[email]" in caplog.text and "[phone]" in caplog.text
    for secret in ("jane.doe", "example.com", "07700", "900123"):
        assert secret not in caplog.text


PERSONAL = ("My son Jack (DOB 03/04/2015, NHS number 943 476 5919) lives at 12 High Street, "
            "Leeds LS1 4AB. His teacher Mrs Patel says he is fine. How long does the council "
            "have to decide on an assessment?")


def test_logged_questions_have_names_dates_of_birth_and_addresses_redacted(
        make_client: Callable[..., TestClient], caplog: pytest.LogCaptureFixture) -> None:
    client = make_client(log_questions=True)
    caplog.set_level(logging.DEBUG)
    assert client.post("/api/ask", json={"question": PERSONAL}).status_code == 200
    assert client.post("/api/search", json={"query": PERSONAL}).status_code == 200
    assert "How long does the council" in caplog.text
    for mark in ("My son [name]", "DOB [date of birth]", "[NHS number]", "lives at [address]",
                 "Mrs [name]"):
        assert mark in caplog.text
    for secret in ("Jack", "03/04/2015", "943 476", "High Street", "LS1", "Patel"):
        assert secret not in caplog.text


def test_pages_and_views_are_served(make_client: Callable[..., TestClient]) -> None:
    client = make_client(ui=True)
    r = client.get("/", follow_redirects=False)
    assert r.status_code in (302, 307) and r.headers["location"] == "/chat/"
    assert client.get("/chat/").status_code == 200
    assert client.get("/helpline/").status_code == 200
    demo = client.get("/embed-demo")
    assert demo.status_code == 200 and '<iframe src="/chat/" title=' in demo.text
    assert client.get("/static/embed-demo.css").status_code == 200


def test_no_operation_takes_text_in_the_query_string(client: TestClient) -> None:
    """Access logs record URLs: questions travel only in request bodies."""
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        for op in operations.values():
            query = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
            assert not query, f"{path} takes {query} in the query string"


# -- deadlines and letters -------------------------------------------------------------------


def test_deadline_works_out_the_dates_from_any_written_date(client: TestClient) -> None:
    r = client.post("/api/deadline", json={"kind": "assess", "date": "03/04/2026",
                                           "today": "1 April 2026"})
    assert r.status_code == 200
    body = r.json()
    assert [d["kind"] for d in body["deadlines"]] == [
        "assessment-decision", "plan-decision", "final-plan"]
    first = body["deadlines"][0]
    assert first["start"] == "2026-04-03" and first["due"] == "2026-05-15"
    assert first["authority"] == "SEND Regulations 2014, reg 5(1)"
    assert first["passed"] is False
    assert any("UK way" in a for a in body["assumed"])


def test_deadline_for_an_appeal_takes_the_later_of_letter_and_certificate(
        client: TestClient) -> None:
    r = client.post("/api/deadline", json={"kind": "appeal", "date": "1 October 2026",
                                           "certificate": "20 November 2026",
                                           "today": "2026-11-23"})
    assert r.json()["deadlines"][0]["due"] == "2026-12-20"


@pytest.mark.parametrize(("body", "named"), [
    ({"kind": "whenever", "date": "3 March 2026"}, "whenever"),
    ({"kind": "assess", "date": "31 April 2026"}, "31 April"),
    ({"kind": "assess", "date": "soonish"}, "soonish"),
])
def test_deadline_bad_input_is_a_400_naming_it(client: TestClient, body: dict[str, str],
                                                 named: str) -> None:
    r = client.post("/api/deadline", json=body)
    assert r.status_code == 400
    assert named in only_error(r)


def test_letters_are_listed_and_served_as_txt_docx_and_json(client: TestClient) -> None:
    listed = client.get("/api/letters").json()
    assert {t["id"] for t in listed} == {
        "request-ehc-needs-assessment", "request-sen-support-meeting",
        "request-reasons-in-writing", "formal-complaint-to-school",
        "request-mediation-certificate"}
    body = {"id": "request-ehc-needs-assessment", "question": "for my daughter Matilda"}
    txt = client.post("/api/letter", json=body)
    assert txt.status_code == 200 and txt.headers["content-type"].startswith("text/plain")
    assert "Matilda" in txt.text and "section 36" in txt.text
    disposition = txt.headers["content-disposition"]
    assert "request-ehc-needs-assessment.txt" in disposition and "Matilda" not in disposition
    assert txt.headers["cache-control"] == "no-store"
    word = client.post("/api/letter", json={**body, "format": "docx"})
    assert word.status_code == 200 and word.content[:2] == b"PK"
    as_json = client.post("/api/letter", json={**body, "format": "json"}).json()
    assert as_json["id"] == body["id"] and "Matilda" in as_json["text"]
    unknown = client.post("/api/letter", json={"id": "nope"})
    assert unknown.status_code == 400 and "request-ehc-needs-assessment" in only_error(unknown)


def test_ask_returns_worked_out_dates_and_offered_letters(client: TestClient) -> None:
    dated = client.post("/api/ask", json={
        "question": "We asked the council for an EHC needs assessment on 3 March 2026. "
                    "By when must they decide?"}).json()
    assert dated["tool"] == "deadline" and "14 April 2026" in dated["text"]
    assert dated["deadlines"][0]["due"] == "2026-04-14"
    letter = client.post("/api/ask", json={
        "question": "How do I make a formal complaint to the school?"}).json()
    assert letter["tool"] == "letter" and letter["letter"]["id"] == "formal-complaint-to-school"

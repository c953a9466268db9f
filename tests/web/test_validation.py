"""Every request field is validated: text that cannot be encoded, and text too long for its
field, get a clear 400 naming the field (never a 500, never the input echoed back); every
string field has a documented limit; 405 replies say which methods are allowed."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

QUESTION = "What is an EHCP and who can ask for one?"
LONE = "\ud800"
LETTER = "request-ehc-needs-assessment"


def raw(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    """POST the body as JSON text with \\u escapes, as a browser or curl would send it."""
    return client.post(path, content=json.dumps(body).encode("ascii"),
                       headers={"content-type": "application/json"})


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/ask", {"question": f"What is an EHCP {LONE}?"}, "question"),
    ("/api/ask", {"question": QUESTION, "history": [
        {"role": "user", "content": "first"}, {"role": "assistant", "content": f"x {LONE}"}]},
     "history.1.content"),
    ("/api/search", {"query": f"annual {LONE} review"}, "query"),
    ("/api/search", {"query": "annual review", "topic": f"tribunal{LONE}"}, "topic"),
    ("/api/search", {"query": "annual review", "doc_id": f"\udfff{LONE}"}, "doc_id"),
    ("/api/deadline", {"kind": f"assess{LONE}", "date": "3 March 2026"}, "kind"),
    ("/api/deadline", {"kind": "assess", "date": f"3 March 2026 {LONE}"}, "date"),
    ("/api/deadline", {"kind": "appeal", "date": "3 March 2026",
                       "certificate": f"{LONE}4 March 2026"}, "certificate"),
    ("/api/deadline", {"kind": "assess", "date": "3 March 2026", "today": LONE}, "today"),
    ("/api/letter", {"id": f"{LETTER}{LONE}"}, "id"),
    ("/api/letter", {"id": LETTER, "question": f"for my son {LONE} Jack"}, "question"),
    ("/api/letter", {"id": LETTER, "format": "docx", "history": [
        {"role": "user", "content": f"my daughter {LONE}"}]}, "history.0.content"),
])
def test_lone_surrogates_are_a_400_naming_the_field(client: TestClient, path: str,
                                                    body: dict[str, Any], field: str) -> None:
    r = raw(client, path, body)
    assert r.status_code == 400, r.text
    message = r.json()["error"]
    assert f"{field}: holds characters that cannot be read" in message
    assert "\\ud800" not in r.text and "Jack" not in r.text and "March" not in r.text


def test_invalid_utf8_bytes_are_a_400(client: TestClient) -> None:
    r = client.post("/api/ask", content=b'{"question": "What is an EHCP \xff\xfe?"}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 400 and set(r.json()) == {"error"}


def _string_fields(schema: dict[str, Any], defs: dict[str, Any], where: str = ""
                   ) -> Iterator[tuple[str, dict[str, Any]]]:
    if "$ref" in schema:
        yield from _string_fields(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, where)
        return
    for option in schema.get("anyOf", []):
        yield from _string_fields(option, defs, where)
    if schema.get("type") == "string":
        yield where, schema
    if schema.get("type") == "array":
        yield from _string_fields(schema.get("items", {}), defs, f"{where}[]")
    for name, prop in schema.get("properties", {}).items():
        yield from _string_fields(prop, defs, f"{where}.{name}")


def test_every_string_field_of_every_request_has_a_limit(
        make_client: Callable[..., TestClient]) -> None:
    spec = make_client(max_question_chars=500).get("/openapi.json").json()
    defs = spec["components"]["schemas"]
    seen = {}
    for path, operations in spec["paths"].items():
        for op in operations.values():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if not body:
                continue
            for where, field in _string_fields(body["schema"], defs, path):
                if "enum" not in field and "const" not in field:
                    assert isinstance(field.get("maxLength"), int), f"{where} has no limit"
                    seen[where] = field["maxLength"]
    # The question fields follow SEND_MAX_QUESTION_CHARS; the others are small.
    assert seen["/api/ask.question"] == seen["/api/search.query"] == 500
    assert seen["/api/letter.question"] == 500
    assert seen["/api/ask.history[].content"] == 20_000
    assert all(seen[f"/api/deadline.{f}"] <= 60 for f in ("kind", "date", "certificate",
                                                         "today"))
    assert all(seen[f] <= 100 for f in ("/api/search.topic", "/api/search.doc_id",
                                        "/api/letter.id"))


@pytest.mark.parametrize(("path", "body", "message"), [
    ("/api/ask", {"question": "x" * 501}, "question is too long; the limit is 500 characters"),
    ("/api/search", {"query": "y" * 501}, "query is too long; the limit is 500"),
    ("/api/letter", {"id": LETTER, "question": "z" * 501}, "question is too long"),
    ("/api/search", {"query": "annual review", "topic": "t" * 101}, "topic is too long"),
    ("/api/deadline", {"kind": "assess", "date": "3" * 61}, "date is too long; the limit is 60"),
    ("/api/ask", {"question": QUESTION, "history": [{"role": "user", "content": "w" * 20_001}]},
     "history.0.content is too long"),
])
def test_too_long_text_is_a_400_with_the_limit(make_client: Callable[..., TestClient],
                                               path: str, body: dict[str, Any],
                                               message: str) -> None:
    r = make_client(max_question_chars=500).post(path, json=body)
    assert r.status_code == 400 and message in r.json()["error"]
    assert "xxxxx" not in r.text and "zzzzz" not in r.text


def test_a_question_at_the_limit_is_accepted(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_question_chars=100)
    question = ("How long does the council have to decide on an EHC needs assessment " * 2)[:100]
    assert client.post("/api/ask", json={"question": question}).status_code == 200


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("GET", "/api/ask", "POST"),
    ("PUT", "/api/search", "POST"),
    ("DELETE", "/api/letter", "POST"),
    ("POST", "/api/letters", "GET"),
    ("POST", "/healthz", "GET"),
    ("POST", "/static/embed-demo.css", "GET, HEAD"),
])
def test_405_says_which_methods_are_allowed(client: TestClient, method: str, path: str,
                                            allowed: str) -> None:
    r = client.request(method, path)
    assert r.status_code == 405 and set(r.json()) == {"error"}
    assert r.headers["allow"] == allowed

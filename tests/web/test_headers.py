"""Security headers: replies carrying answers, passages or letters are never cached; every reply
has a Content-Security-Policy (the chat may be framed as set, other pages by this site only),
nosniff and no-referrer; and the Gradio pages still load their scripts and styles under it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.answer import Engine
from tests.web.conftest import BlockingEngine

QUESTION = "How long does the council have to decide whether to carry out an EHC assessment?"
LETTER = {"id": "request-ehc-needs-assessment", "question": "for my daughter Matilda"}
OWN = "frame-ancestors 'self'; object-src 'none'; base-uri 'self'"


class ExplodingEngine(BlockingEngine):
    def answer(self, question: object, history: Any = None) -> Any:
        raise RuntimeError("internal detail")


def assert_common(r: Any) -> None:
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "object-src 'none'" in r.headers["content-security-policy"]


@pytest.mark.parametrize(("path", "body"), [
    ("/api/ask", {"question": QUESTION}),
    ("/api/ask", {"question": QUESTION, "include_passages": True}),
    ("/api/search", {"query": "annual review"}),
    ("/api/letter", LETTER),
    ("/api/letter", {**LETTER, "format": "docx"}),
    ("/api/letter", {**LETTER, "format": "json"}),
    ("/api/deadline", {"kind": "assess", "date": "3 March 2026"}),
    ("/api/ask", {"question": ""}),  # an error reply
])
def test_api_replies_are_never_cached(client: TestClient, path: str,
                                      body: dict[str, Any]) -> None:
    r = client.post(path, json=body)
    assert r.headers.get_list("cache-control") == ["no-store"]
    assert r.headers["content-security-policy"] == OWN
    assert_common(r)


def test_the_chat_may_be_framed_as_set_and_other_pages_only_by_this_site(
        make_client: Callable[..., TestClient]) -> None:
    default = make_client(ui=True)
    chat = default.get("/chat/")
    assert chat.headers["content-security-policy"] == (
        "frame-ancestors *; object-src 'none'; base-uri 'self'")
    for path in ("/helpline/", "/embed-demo", "/docs", "/healthz", "/openapi.json",
                 "/api/nothing", "/static/embed-demo.css", "/chatter"):
        r = default.get(path)
        assert r.headers["content-security-policy"] == OWN, path
        assert_common(r)
    assert_common(chat)
    assert "cache-control" not in default.get("/healthz").headers
    narrowed = make_client(ui=True, frame_ancestors="'self' https://www.example.org")
    assert narrowed.get("/chat/").headers["content-security-policy"].startswith(
        "frame-ancestors 'self' https://www.example.org;")


def test_a_500_carries_the_headers_too(engine: Engine,
                                       make_client: Callable[..., TestClient]) -> None:
    r = make_client(eng=ExplodingEngine(engine)).post("/api/ask", json={"question": QUESTION})
    assert r.status_code == 500 and r.headers["cache-control"] == "no-store"
    assert_common(r)


@pytest.mark.parametrize("path", ["/chat/", "/helpline/"])
def test_the_gradio_pages_load_their_scripts_and_styles_under_nosniff(
        make_client: Callable[..., TestClient], path: str) -> None:
    """nosniff makes a browser refuse a script or style sheet served with the wrong type."""
    client = make_client(ui=True)
    page = client.get(path)
    assert page.status_code == 200
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', page.text)
    styles = re.findall(r'<link rel="stylesheet"[^>]+href="([^"]+)"', page.text)
    assert scripts and styles
    for src in scripts:
        r = client.get(path + src.removeprefix("./"))
        assert r.status_code == 200
        assert r.headers["content-type"].split(";")[0] in ("text/javascript",
                                                           "application/javascript"), src
    for href in styles:
        r = client.get(path + href.removeprefix("./"))
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/css"), href
    config = client.get(path + "config")
    assert config.status_code == 200
    theme = client.get(path + "theme.css")
    assert theme.status_code == 200 and theme.headers["content-type"].startswith("text/css")

"""Property-based fuzzing of the API from its own OpenAPI schema (schemathesis): no input gives
a 5xx, and every reply is one the schema documents. Valid requests with a lone surrogate put
into one of their text fields (history included) get a 400 (or 422) naming that field.

Cases come from each operation's Hypothesis strategy rather than `schema.parametrize()`, whose
pytest integration does not run under pytest 9 (it rewrites `Function._nodeid`).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assistant.answer import Engine
from assistant.settings import Settings
from assistant.web.app import build_app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES = 30


@pytest.fixture(scope="module")
def api_schema(corpus_settings: Settings, engine: Engine) -> Any:
    app = build_app(corpus_settings.with_(rate_limit_per_minute=0), engine=engine, ui=False)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.mark.parametrize(("method", "path", "mode"), [
    ("POST", "/api/ask", GenerationMode.POSITIVE),
    ("POST", "/api/ask", GenerationMode.NEGATIVE),
    ("POST", "/api/search", GenerationMode.POSITIVE),
    ("POST", "/api/search", GenerationMode.NEGATIVE),
    ("POST", "/api/deadline", GenerationMode.POSITIVE),
    ("POST", "/api/deadline", GenerationMode.NEGATIVE),
    ("POST", "/api/letter", GenerationMode.POSITIVE),
    ("POST", "/api/letter", GenerationMode.NEGATIVE),
    ("GET", "/api/letters", GenerationMode.POSITIVE),
    ("GET", "/healthz", GenerationMode.POSITIVE),
])
def test_no_input_gives_a_server_error(api_schema: Any, method: str, path: str,
                                       mode: GenerationMode) -> None:
    operation = api_schema[path][method]
    statuses: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        response = case.call()
        statuses.append(response.status_code)
        case.validate_response(response, checks=CHECKS)

    run()
    assert statuses and max(statuses) < 500


#: The free-text fields of the request models (extra keys the fuzzer adds are ignored by the
#: API, and "role" and "format" are choices, not text).
TEXT_FIELDS = {"question", "history", "content", "query", "topic", "doc_id", "kind", "date",
               "certificate", "today", "id"}


def _text_fields(value: Any, where: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Where every string sits in a JSON body (dict keys and list indexes)."""
    if isinstance(value, str):
        return [where]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _text_fields(v, (*where, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _text_fields(v, (*where, i))]
    return []


def _with_surrogate(body: Any, where: tuple[Any, ...], at: int) -> Any:
    if not where:
        return body[:at] + "\ud800" + body[at:]
    copy = dict(body) if isinstance(body, dict) else list(body)
    copy[where[0]] = _with_surrogate(body[where[0]], where[1:], at)
    return copy


@pytest.mark.parametrize(("path", "tried"), [
    ("/api/ask", {"question", "history"}),
    ("/api/search", {"query", "topic", "doc_id"}),
    ("/api/deadline", {"kind", "date", "certificate"}),
    ("/api/letter", {"id", "question", "history"}),
])
def test_a_lone_surrogate_in_any_text_field_is_refused(api_schema: Any, path: str,
                                                       tried: set[str]) -> None:
    operation = api_schema[path]["POST"]
    seen: set[str] = set()

    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE), data=st.data())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any, data: st.DataObject) -> None:
        fields = [w for w in _text_fields(case.body)
                  if all(isinstance(k, int) or k in TEXT_FIELDS for k in w)]
        if not fields:
            return
        where = data.draw(st.sampled_from(fields))
        text = case.body
        for step in where:
            text = text[step]
        case.body = _with_surrogate(case.body, where, data.draw(st.integers(0, len(text))))
        response = case.call()
        case.validate_response(response, checks=CHECKS)
        # 400 when the text is the only problem; 422 when the generator also sent, say, 1.0
        # for an integer (the API is strict).
        assert response.status_code in (400, 422), response.text
        name = ".".join(str(w) for w in where)
        assert f"{name}: holds characters that cannot be read" in response.json()["error"]
        seen.add(name.split(".")[0])

    run()
    assert tried <= seen  # the fields that matter were all tried

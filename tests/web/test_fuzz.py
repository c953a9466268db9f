"""Property-based fuzzing of the API from its own OpenAPI schema (schemathesis): no input gives
a 5xx, and every reply is one the schema documents.

Cases come from each operation's Hypothesis strategy rather than `schema.parametrize()`, whose
pytest integration does not run under pytest 9 (it rewrites `Function._nodeid`).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
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

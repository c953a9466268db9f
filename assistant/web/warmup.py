"""A warm-up at start-up, after the engine has loaded: one answer, one search and one page's
worth of rendering, so that whatever the engine and the web layer still do once, on first use,
is done before the server takes its first request and not inside a person's first question.
"""

from __future__ import annotations

import logging
import time

from assistant.web import render
from assistant.web.service import Unavailable, WebService

log = logging.getLogger(__name__)

#: Any ordinary question will do; this one goes through a card, its citations and a search.
QUESTION = "How long does the council have to decide whether to carry out an EHC needs assessment?"


def warm_up(service: WebService) -> float | None:
    """Answer, search and render once; the milliseconds it took, or None with no engine."""
    try:
        engine = service.provider.get()
    except Unavailable:
        return None
    started = time.perf_counter()
    try:
        result = engine.answer(QUESTION)
        engine.retrieve(QUESTION, None, k=8)
        render.answer_html(result, 0)
        render.helpline_answer_html(result)
    except Exception:  # a warm-up must never stop the server starting
        log.exception("the warm-up answer failed")
        return None
    ms = (time.perf_counter() - started) * 1000
    log.info("warmed up in %.0f ms", ms)
    return ms

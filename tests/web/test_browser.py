"""The chat and the helpline in headless Chromium, over a real server on a loopback port.

Skipped when Playwright or Chromium is missing, unless SEND_REQUIRE_BROWSER=1 (CI), where that
is a failure. Screenshots go to reports/screenshots/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.settings import PROJECT_ROOT
from tests.web.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = os.environ.get("SEND_CHROMIUM", "/usr/bin/chromium")
SHOTS = PROJECT_ROOT / "reports" / "screenshots"
QUESTION = "How long does the council have to decide whether to carry out an EHC needs assessment?"
WAIT_MS = 60_000

#: WCAG contrast ratio of an element's text against the first opaque background behind it.
CONTRAST_JS = """(el) => {
  function lum(c) {
    const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map(v => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function background(e) {
    for (; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      if (c && c !== 'transparent' && !c.startsWith('rgba(0, 0, 0, 0)')) return c;
    }
    return 'rgb(255, 255, 255)';
  }
  const a = lum(getComputedStyle(el).color), b = lum(background(el));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""
NO_SIDEWAYS_SCROLL_JS = ("() => document.documentElement.scrollWidth"
                         " <= document.documentElement.clientWidth + 1")


def unavailable(reason: str) -> None:
    if os.environ.get("SEND_REQUIRE_BROWSER") == "1":
        pytest.fail(f"SEND_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed")
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium is not installed at {CHROMIUM}")
    with sync_playwright() as p:
        try:
            chromium = p.chromium.launch(executable_path=CHROMIUM,
                                         args=["--headless", "--no-sandbox"])
        except Exception as exc:  # a broken browser install has many failure types
            unavailable(f"Chromium would not start: {exc}")
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"],
                              origin=live_server.url)
    outside: list[str] = []
    context.on("request", lambda r: outside.append(r.url)
               if not r.url.startswith((live_server.url, "data:", "blob:")) else None)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.outside_requests = outside
    try:
        yield page
    finally:
        context.close()


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def test_the_embedded_chat_streams_an_answer_with_source_cards(page: Any,
                                                                live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/embed-demo")
    frame = page.frame_locator('iframe[title="SEND questions chat"]')
    box = frame.get_by_label("Your question")  # the textbox has a label
    box.wait_for()
    status = frame.locator('.chat-status[role="status"][aria-live="polite"]')
    status.evaluate("el => { el.__kept = true; }")

    box.fill(QUESTION)
    box.press("Enter")
    frame.locator("#chat-log").get_by_text("6 weeks", exact=False).first.wait_for()
    cards = frame.locator("details.source-card")
    cards.first.wait_for()
    assert cards.count() >= 2
    cards.first.locator("summary").click()
    assert cards.first.evaluate("el => el.open") is True
    assert cards.first.locator("blockquote").is_visible()
    assert cards.first.get_by_role("link", name="Read the source").is_visible()

    # Screen readers hear the answer: the conversation is a live log, and the status region
    # (kept, not replaced, so announcements fire) says the answer is ready.
    assert frame.locator('#chat-log [role="log"][aria-live="polite"]').count() == 1
    assert "Answer ready" in status.inner_text()
    assert status.evaluate("el => el.__kept === true")
    assert frame.locator(".help").get_by_text("SENDIASS", exact=False).first.is_visible()
    shot(page, "chat-1280.png")

    page.set_viewport_size({"width": 375, "height": 812})
    page.wait_for_timeout(500)
    chat = page.frames[1]
    assert page.evaluate(NO_SIDEWAYS_SCROLL_JS), "the host page scrolls sideways at 375 px"
    assert chat.evaluate(NO_SIDEWAYS_SCROLL_JS), "the chat scrolls sideways at 375 px"
    shot(page, "chat-375.png")
    assert page.outside_requests == []  # nothing is fetched from anywhere else


def test_follow_up_and_new_conversation(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/chat/")
    page.get_by_role("button", name="How long does the council").click()  # an example
    page.locator("details.source-card").first.wait_for()
    box = page.get_by_label("Your question")
    box.fill("And what happens if they miss it?")
    page.get_by_role("button", name="Ask", exact=True).click()
    page.wait_for_function(
        "() => document.querySelectorAll('#chat-log [data-testid=bot]').length === 2"
        " && document.querySelector('.chat-status').textContent.includes('ready')")
    assert page.locator("#chat-log [data-testid=user]").count() == 2
    page.get_by_role("button", name="New conversation").click()
    page.locator(".chat-status").get_by_text("Started a new conversation").wait_for()
    assert page.locator("details.source-card").count() == 0


def test_basic_accessibility_of_the_chat(page: Any, live_server: LiveServer) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_server.url}/chat/")
    box = page.get_by_label("Your question")
    box.wait_for()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator('[aria-live="polite"]').count() >= 2
    for selector in ("#question textarea", ".intro p", "button.primary", "button.secondary",
                     "button.example"):
        ratio = page.locator(selector).first.evaluate(CONTRAST_JS)
        assert ratio >= 4.5, f"{selector} contrast {ratio:.2f} is below WCAG AA"
    box.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Ask"
    assert page.evaluate(NO_SIDEWAYS_SCROLL_JS)


def test_helpline_look_up_and_copy_a_citation(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/helpline/")
    query = page.get_by_label("Search the guidance")
    query.fill("How long does the council have to decide on an assessment?")
    query.press("Enter")  # Enter submits
    passages = page.locator(".hl-passage")
    passages.first.wait_for()
    assert passages.count() == 8
    assert "score" in passages.first.inner_text()
    button = page.locator("#hl-answer button.copy-btn").first
    label = button.get_attribute("data-copy")
    assert label and " — " in label
    button.focus()
    page.keyboard.press("Enter")  # keyboard users copy too
    page.locator("#copy-status").get_by_text("Copied", exact=False).wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == label
    shot(page, "helpline-1280.png")


def test_a_model_letter_downloads_as_text_and_word(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    try:
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto(f"{live_server.url}/chat/")
        box = page.get_by_label("Your question")
        box.fill("Can you help me write a letter to the council asking for an EHC needs "
                 "assessment for my son Barnaby?")
        box.press("Enter")
        letter = page.locator("section.letter")
        letter.wait_for()
        letter.get_by_text("Read the letter").click()
        assert "Barnaby" in letter.locator(".letter-text").inner_text()
        with page.expect_download() as txt:
            letter.get_by_role("link", name="Download as text (.txt)").click()
        assert txt.value.suggested_filename == "request-ehc-needs-assessment.txt"
        text = Path(txt.value.path()).read_text(encoding="utf-8")
        assert "Barnaby" in text and "section 36" in text
        with page.expect_download() as word:
            letter.get_by_role("link", name="Download for Word (.docx)").click()
        assert word.value.suggested_filename == "request-ehc-needs-assessment.docx"
        assert Path(word.value.path()).read_bytes()[:2] == b"PK"
        shot(page, "letter-1280.png")
    finally:
        context.close()

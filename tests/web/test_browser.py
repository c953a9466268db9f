"""The chat and the helpline in headless Chromium, over a real server on a loopback port.

Skipped when Playwright, Chromium or axe-core is missing, unless SEND_REQUIRE_BROWSER=1 (CI),
where that is a failure. axe-core is the npm package `make axe` installs into .node/.
Screenshots go to reports/screenshots/.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.cli import main
from assistant.settings import PROJECT_ROOT
from evals.cases import load_cases
from tests.web.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = os.environ.get("SEND_CHROMIUM", "/usr/bin/chromium")
AXE = Path(os.environ.get("SEND_AXE",
                          PROJECT_ROOT / ".node" / "node_modules" / "axe-core" / "axe.min.js"))
SHOTS = PROJECT_ROOT / "reports" / "screenshots"
QUESTION = "How long does the council have to decide whether to carry out an EHC needs assessment?"
#: Answered with no card: the closest passages, whole, so a long answer.
LONG_QUESTION = "what should a phone call to the helpline cover about transport"
LETTER_QUESTION = ("Can you help me write a letter to the council asking for an EHC needs "
                   "assessment for my son Barnaby?")
WAIT_MS = 60_000
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

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
#: Whether the element is inside the window and is what a tap at its centre would reach.
IN_VIEW_JS = """(el) => {
  const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return r.top >= 0 && r.bottom <= window.innerHeight && !!hit && el.contains(hit);
}"""
#: Records each change of text in every live region (the log, status and alert regions, and
#: any aria-live element, added later or not) from now on; called again, starts a new record.
LIVE_JS = """() => {
  window.__live = [];
  if (window.__liveWatched) return;
  window.__liveWatched = true;
  const start = performance.now();
  const regions = () => Array.from(document.querySelectorAll(
      '[aria-live], [role=log], [role=status], [role=alert]'))
    .filter(el => el.getAttribute('aria-live') !== 'off');
  const seen = new Map(regions().map(r => [r, r.textContent]));
  new MutationObserver(() => {
    for (const r of regions()) {
      if (seen.get(r) === r.textContent) continue;
      seen.set(r, r.textContent);
      window.__live.push({at: performance.now() - start,
                         region: r.id || r.getAttribute('role') || r.className.toString()});
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""
#: What a screen reader would announce: changes of one region within 250 ms are read as one.
ANNOUNCEMENTS_JS = """() => {
  const out = [];
  for (const c of window.__live) {
    const last = out.filter(o => o.region === c.region).pop();
    if (last && c.at - last.until < 250) last.until = c.at;
    else out.push({region: c.region, until: c.at});
  }
  return out.map(o => o.region);
}"""


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


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        unavailable(f"axe-core is not installed at {AXE} (run `make axe`)")
    return AXE.read_text(encoding="utf-8")


def new_page(browser: Any, server: LiveServer, viewport: dict[str, int] = DESKTOP,
             **options: Any) -> Any:
    context = browser.new_context(viewport=viewport, **options)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    outside: list[str] = []
    context.on("request", lambda r: outside.append(r.url)
               if not r.url.startswith((server.url, "data:", "blob:")) else None)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.outside_requests = outside
    return page


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    p = new_page(browser, live_server)
    try:
        yield p
    finally:
        p.context.close()


def shot(page: Any, name: str, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=full_page)


def open_chat(page: Any, server: LiveServer) -> Any:
    page.goto(f"{server.url}/chat/")
    box = page.get_by_label("Your question")
    box.wait_for()
    page.locator("#chat-log button.option").first.wait_for()  # the examples
    return box


def ask(page: Any, box: Any, question: str) -> float:
    """Ask in the chat; seconds from Enter to the whole answer on screen."""
    before = page.locator("#chat-log [data-testid=bot]").count()
    box.fill(question)
    started = time.perf_counter()
    box.press("Enter")
    page.wait_for_function(
        f"() => document.querySelectorAll('#chat-log [data-testid=bot]').length > {before}"
        " && !document.querySelector('.chat-status').textContent.includes('Looking')")
    return time.perf_counter() - started


def axe_problems(page: Any, source: str) -> list[str]:
    """axe-core's critical and serious violations on the page, one line each."""
    page.add_script_tag(content=source)
    found = page.evaluate("""async () => {
      const r = await axe.run(document, {resultTypes: ['violations']});
      return r.violations.filter(v => ['critical', 'serious'].includes(v.impact))
        .map(v => v.impact + ' ' + v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '));
    }""")
    return list(found)


#: What has focus: BODY when focus is on the page itself (lost), END when it left the last
#: control of the page (the browser moves on to its own controls, as it should).
FOCUS_JS = """() => {
  const e = document.activeElement;
  if (e && e !== document.body) {
    window.__focused = e;
    return e.tagName + ' ' + (e.getAttribute('aria-label') || e.textContent || '').trim()
      .slice(0, 60);
  }
  const all = Array.from(document.querySelectorAll(
      'a[href], button, input, textarea, select, summary, [tabindex]'))
    .filter(el => el.tabIndex >= 0 && !el.disabled && el.getClientRects().length);
  return window.__focused && window.__focused === all[all.length - 1] ? 'END' : 'BODY';
}"""


def tab_walk(page: Any, steps: int, until: str = "END") -> list[str]:
    """Press Tab up to `steps` times, stopping at the page's end or at a control whose
    description starts with `until`; what had focus after each press."""
    seen: list[str] = []
    for _ in range(steps):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(FOCUS_JS))
        if seen[-1].startswith(until) or seen[-1] == "END":
            break
    return seen


# -- the parents' chat ---------------------------------------------------------------------


def test_the_embedded_chat_answers_with_its_own_sources(page: Any,
                                                        live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/embed-demo")
    frame = page.frame_locator('iframe[title="SEND questions chat"]')
    box = frame.get_by_label("Your question")  # the textbox has a label
    box.wait_for()
    box.fill(QUESTION)
    box.press("Enter")
    answer = frame.locator("#chat-log .answer").last
    answer.get_by_text("6 weeks", exact=False).first.wait_for()
    # The sources are inside the answer, collapsed, numbered as in its text.
    cards = answer.locator("details.source-card")
    assert cards.count() >= 1
    assert cards.first.evaluate("el => el.open") is False
    assert cards.first.locator(".source-n").inner_text() == "[1]"
    # Each [n] is a link that opens its own card and moves focus there.
    answer.locator("a.cite-ref").first.click()
    assert cards.first.evaluate("el => el.open") is True
    assert cards.first.locator("summary").evaluate("el => el === document.activeElement")
    assert cards.first.get_by_role("link", name="Read the source").is_visible()
    assert "under it" in frame.locator(".chat-status").inner_text()
    assert frame.locator('#chat-log [role="log"][aria-live="polite"]').count() == 1
    shot(page, "chat-embedded-1280.png")

    page.set_viewport_size({"width": 375, "height": 812})
    page.wait_for_timeout(500)
    chat = page.frames[1]
    assert page.evaluate(NO_SIDEWAYS_SCROLL_JS), "the host page scrolls sideways at 375 px"
    assert chat.evaluate(NO_SIDEWAYS_SCROLL_JS), "the chat scrolls sideways at 375 px"
    assert page.outside_requests == []  # nothing is fetched from anywhere else


def test_earlier_answers_keep_their_own_sources(page: Any, live_server: LiveServer) -> None:
    box = open_chat(page, live_server)
    ask(page, box, QUESTION)
    first = page.locator("#chat-log .answer").first
    label = first.locator("details.source-card .source-title").first.inner_text()
    ask(page, box, LONG_QUESTION)
    answers = page.locator("#chat-log .answer")
    assert answers.count() == 2
    # The first answer's [1] still points at its own card, with the same label.
    href = first.locator("a.cite-ref").first.get_attribute("href")
    assert href == "#a1-source-1"
    assert page.locator(href).locator(".source-title").inner_text() == label
    second = answers.nth(1)
    assert second.locator("a.cite-ref").first.get_attribute("href") == "#a2-source-1"
    # One card per passage, each labelled with its own title and section.
    titles = second.locator("details.source-card .source-title").all_inner_texts()
    assert len(titles) == len(set(titles))
    # Markdown in the answer is laid out: points are list items.
    assert first.locator(".answer-text li").count() >= 1
    page.get_by_role("button", name="New conversation").click()
    page.locator(".chat-status").get_by_text("Started a new conversation").wait_for()
    assert page.locator("details.source-card").count() == 0


def test_suggestions_follow_the_answer_and_work_from_the_keyboard(
        page: Any, live_server: LiveServer) -> None:
    box = open_chat(page, live_server)
    ask(page, box, QUESTION)
    answer = page.locator("#chat-log .answer").last
    assert answer.locator(".answering").inner_text().startswith("Answering:")
    options = page.locator("#chat-log button.option")
    assert 1 <= options.count() <= 3
    suggestion = options.first.inner_text()
    options.first.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('#chat-log .answer').length === 2")
    asked = page.locator("#chat-log [data-testid=user]").last.inner_text()
    assert asked.strip() == suggestion.strip()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1280x800"])
def test_the_question_box_stays_in_view(browser: Any, live_server: LiveServer,
                                        viewport: dict[str, int]) -> None:
    page = new_page(browser, live_server, viewport)
    try:
        box = open_chat(page, live_server)
        assert box.evaluate(IN_VIEW_JS), "the question box is not in view on first load"
        width = viewport["width"]
        shot(page, f"chat-{width}-start.png", full_page=False)
        for question in (QUESTION, LONG_QUESTION):
            ask(page, box, question)
            page.wait_for_timeout(300)
            assert box.evaluate(IN_VIEW_JS), f"the question box is out of view after {question!r}"
            # The new answer reads from its start: its question is in view, above the bar.
            top = page.locator("#chat-log [data-testid=user]").last.evaluate(
                "el => el.getBoundingClientRect().top")
            assert 0 <= top < viewport["height"] - 200
        assert "under it" in page.locator(".chat-status").inner_text()
        assert page.evaluate(NO_SIDEWAYS_SCROLL_JS)
        shot(page, f"chat-{width}-answer.png", full_page=False)
    finally:
        page.context.close()


def test_one_announcement_per_answer(page: Any, live_server: LiveServer) -> None:
    box = open_chat(page, live_server)
    page.evaluate(LIVE_JS)
    ask(page, box, QUESTION)
    page.wait_for_timeout(1000)
    assert page.evaluate(ANNOUNCEMENTS_JS) == ["log"]
    page.evaluate(LIVE_JS)
    ask(page, box, LONG_QUESTION)
    page.wait_for_timeout(1000)
    assert page.evaluate(ANNOUNCEMENTS_JS) == ["log"]


def test_basic_accessibility_of_the_chat(page: Any, live_server: LiveServer) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    box = open_chat(page, live_server)
    assert page.evaluate("document.documentElement.lang") == "en"
    for selector in ("#question textarea", ".intro p", "button.primary", "button.secondary",
                     "#chat-log button.option"):
        ratio = page.locator(selector).first.evaluate(CONTRAST_JS)
        assert ratio >= 4.5, f"{selector} contrast {ratio:.2f} is below WCAG AA"
    box.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Ask"
    ask(page, box, QUESTION)
    box.focus()
    page.keyboard.press("Shift+Tab")
    assert "BODY" not in tab_walk(page, 25)  # focus is never lost
    assert page.evaluate(NO_SIDEWAYS_SCROLL_JS)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1280x800"])
def test_axe_finds_nothing_serious(browser: Any, live_server: LiveServer, axe_source: str,
                                   viewport: dict[str, int]) -> None:
    page = new_page(browser, live_server, viewport)
    try:
        box = open_chat(page, live_server)
        assert axe_problems(page, axe_source) == [], "/chat/ before a question"
        ask(page, box, LETTER_QUESTION)
        page.locator("#chat-log details.source-card").first.evaluate("el => el.open = true")
        assert axe_problems(page, axe_source) == [], "/chat/ after an answer"

        page.goto(f"{live_server.url}/helpline/")
        query = page.get_by_label("Search the guidance")
        query.wait_for()
        assert axe_problems(page, axe_source) == [], "/helpline/ before a search"
        query.fill(QUESTION)
        query.press("Enter")
        page.locator(".hl-passage").first.wait_for()
        page.get_by_role("button", name="Flag this answer as wrong or unhelpful").click()
        page.get_by_label("Why? (required)").wait_for()
        assert axe_problems(page, axe_source) == [], "/helpline/ after a search"
    finally:
        page.context.close()


def test_a_model_letter_copies_and_downloads(browser: Any, live_server: LiveServer) -> None:
    page = new_page(browser, live_server, accept_downloads=True)
    try:
        box = open_chat(page, live_server)
        ask(page, box, LETTER_QUESTION)
        letter = page.locator("#chat-log section.letter").last
        letter.get_by_text("Read the letter").click()
        text = letter.locator(".letter-text").inner_text()
        assert "Barnaby" in text
        letter.get_by_role("button", name="Copy the letter").click()
        letter.get_by_role("button", name="Copied").wait_for()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert "Barnaby" in copied and "section 36" in copied and "\n" in copied
        with page.expect_download() as txt:
            letter.get_by_role("link", name="Download as text (.txt)").click()
        assert txt.value.suggested_filename == "request-ehc-needs-assessment.txt"
        assert Path(txt.value.path()).read_text(encoding="utf-8") == copied
        with page.expect_download() as word:
            letter.get_by_role("link", name="Download for Word (.docx)").click()
        assert word.value.suggested_filename == "request-ehc-needs-assessment.docx"
        assert Path(word.value.path()).read_bytes()[:2] == b"PK"
        shot(page, "letter-1280.png")
    finally:
        page.context.close()


def test_the_first_answer_is_asked_of_a_warm_server(page: Any, live_server: LiveServer) -> None:
    """The model and index were loaded and warmed at start-up, before the first question.
    Enter-to-answer times are printed (run with -s) for the closing note; speed targets
    are the benchmarks' business, not a test's."""
    health = page.request.get(f"{live_server.url}/healthz").json()
    assert health["ready"] is True and health["warm_up_ms"] is not None
    box = open_chat(page, live_server)
    first = ask(page, box, QUESTION)
    rest = [ask(page, box, q) for q in (LONG_QUESTION, "What is SEN support?",
                                        "Can I ask for an assessment myself?")]
    print(f"\nwarm-up {health['warm_up_ms']} ms; first answer {first * 1000:.0f} ms; "
          f"later {[round(r * 1000) for r in rest]} ms")
    assert page.locator("#chat-log .answer").count() == 4


# -- the helpline --------------------------------------------------------------------------


def test_helpline_look_up_and_copy_a_citation(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/helpline/")
    query = page.get_by_label("Search the guidance")
    query.fill("How long does the council have to decide on an assessment?")
    query.press("Enter")  # Enter submits
    passages = page.locator(".hl-passage")
    passages.first.wait_for()
    assert passages.count() == 8
    answer = page.locator("#hl-answer")
    assert "score" not in answer.inner_text() + passages.first.inner_text()
    assert "(answer)" not in answer.inner_text()
    assert "Answered by the card" in answer.inner_text()
    # From the search box, the first "Copy citation" is at most 3 Tabs away.
    query.focus()
    walk = tab_walk(page, 3, until="BUTTON Copy citation")
    assert walk[-1].startswith("BUTTON Copy citation"), walk
    page.keyboard.press("Enter")  # keyboard users copy too
    page.locator("#copy-status").get_by_text("Copied", exact=False).wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    head, link, quote = copied.split("\n")
    assert " — " in head and "(" in head  # authority — title (section)
    assert link.startswith("https://")
    assert quote.startswith("\u201c") and quote.endswith("\u201d")
    # Focus is never lost, through the answer, the flag form, the filters and the passages.
    query.focus()
    assert "BODY" not in tab_walk(page, 30)
    shot(page, "helpline-1280.png")


def test_an_adviser_flags_an_answer_and_it_is_exported_as_an_eval_case(
        page: Any, live_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    question = "Does the council have 16 weeks to decide whether to assess my daughter?"
    page.goto(f"{live_server.url}/helpline/")
    query = page.get_by_label("Search the guidance")
    query.fill(question)
    query.press("Enter")
    page.locator(".hl-passage").first.wait_for()
    page.get_by_role("button", name="Flag this answer as wrong or unhelpful").click()
    page.get_by_label("It is unhelpful").check()
    page.get_by_label("Why? (required)").fill("It should say plainly that 16 weeks is wrong.")
    page.get_by_label("The right answer (optional)").fill("No. The council has 6 weeks.")
    page.get_by_label("Its authority (optional)").fill("SEND Regulations 2014, reg 5(1)")
    page.get_by_role("button", name="Send the flag").click()
    page.locator("#flag-status").get_by_text("saved", exact=False).wait_for()
    assert page.get_by_label("Why? (required)").input_value() == ""  # the form is cleared

    assert live_server.settings is not None
    monkeypatch.setenv("SEND_INDEX_DIR", str(live_server.settings.index_dir))
    assert main(["review", "list", "--json"]) == 0
    flags = json.loads(capsys.readouterr().out)
    mine = [f for f in flags if f["question"] == question]
    assert mine and mine[-1]["verdict"] == "unhelpful"
    out = tmp_path / "flagged.yaml"
    assert main(["review", "export", str(out)]) == 0
    case = next(c for c in load_cases(out) if c.question == question)
    assert case.expect.polarity == "no" and case.expect.outcome == "answer"
    assert case.expect.cites[0].search("SEND Regulations 2014, reg 5(1)")
    assert "flagged-unhelpful" in case.tags


def test_the_chat_has_no_flag(page: Any, live_server: LiveServer) -> None:
    box = open_chat(page, live_server)
    ask(page, box, QUESTION)
    assert page.get_by_text("Flag", exact=False).count() == 0


# -- the API docs --------------------------------------------------------------------------


def test_api_docs_work_with_no_internet(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/docs")
    page.get_by_text("/api/ask").first.wait_for()
    assert page.locator(".swagger-ui .opblock").count() >= 5
    assert page.outside_requests == []

"""The two Gradio views, thin adapters over `WebService`: the parents' chat and the helpline
look-up. Gradio is imported here and nowhere else.

The chat shows each answer whole, with its own numbered sources inside its message, so an
earlier answer's [n] keeps pointing at its own source; the conversation is the one live
region, so a screen reader hears each answer once. The question box sits in a bar that stays
at the bottom of the window. The helpline puts the cited answer, with copy buttons, straight
after the search box, lets an adviser flag an answer, and filters the ranked passages below.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, cast

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
from fastapi import FastAPI  # noqa: E402

from assistant.errors import QuestionError  # noqa: E402
from assistant.privacy import redact  # noqa: E402
from assistant.types import Answer  # noqa: E402
from assistant.web import render  # noqa: E402
from assistant.web.flags import Flag, FlagStore  # noqa: E402
from assistant.web.limits import LimitExceeded  # noqa: E402
from assistant.web.service import Unavailable, WebService, sources, topics  # noqa: E402

STATIC = os.path.join(os.path.dirname(__file__), "static")
CSS_PATH = os.path.join(STATIC, "web.css")
SCRIPT_PATH = os.path.join(STATIC, "web.js")
EXAMPLES = [
    "How long does the council have to decide whether to do an EHC needs assessment?",
    "The school says they must spend £6,000 before asking for an EHCP. Is that true?",
    "Can I ask for an EHC needs assessment myself, without the school?",
    "What is SEN support and what should the school be doing?",
]
INTRO = (
    '<header class="intro"><h1>Questions about SEND support</h1>'
    "<p>For children and young people with special educational needs and disabilities in "
    "England. Answers come from published guidance, with numbered sources. General "
    "information, not legal advice.</p>"
    "<p class=\"hint\">Please don't include names, email addresses or phone numbers.</p>"
    "</header>"
)
WELCOME = (
    '<p class="welcome"><strong>Ask a question about SEND support in England.</strong> '
    "Answers quote the law and guidance they come from. Try one of these:</p>"
)
THINKING = "Looking through the guidance…"
NEW_CONVERSATION = "Started a new conversation."
#: Lets a host page size its iframe to the chat: posts the page height to the parent window
#: (nothing else) whenever it changes. See embed-demo.html for the listening side.
HEIGHT_SCRIPT = """<script>
(function () {
  if (window.parent === window) return;
  var last = 0;
  // The app's top-level column: its height is the content's (the page itself fills the frame).
  function content() {
    var main = document.querySelector(".gradio-container main");
    return (main && main.firstElementChild) || document.body;
  }
  function post() {
    var height = Math.ceil(content().getBoundingClientRect().bottom + window.scrollY) + 32;
    if (height === last) return;
    last = height;
    window.parent.postMessage({type: "send-assistant:height", height: height}, "*");
  }
  function start() {
    post();
    new ResizeObserver(post).observe(document.body);
    new MutationObserver(post).observe(document.body, {childList: true, subtree: true});
  }
  if (document.readyState === "complete") start(); else window.addEventListener("load", start);
})();
</script>"""
#: Gradio scopes `css` inside the app, so rules for its own container are set here: the page
#: padding, and `clip` for its overflow (`hidden` would make it a scroll container, and the
#: question bar could not stay at the bottom of the window).
HEAD_STYLE = """<style>
.gradio-container { overflow: clip visible !important; }
@media (max-width: 480px) {
  .gradio-container .main.app { padding-left: 8px !important; padding-right: 8px !important; }
}
</style>"""
#: Says "Copied" to screen readers; changes only when a person copies something.
COPY_STATUS = '<p id="copy-status" class="sr-only" role="status" aria-live="polite"></p>'


def _script() -> str:
    with open(SCRIPT_PATH, encoding="utf-8") as f:
        return f"<script>\n{f.read()}</script>"


#: The reader's own system fonts: familiar, nothing to download.
SYSTEM_FONTS = ("system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial",
                "sans-serif")
MONO_FONTS = ("ui-monospace", "Consolas", "monospace")


def theme() -> gr.themes.Base:
    """Gradio's default look with AA contrast: darker primary buttons and placeholders."""
    return gr.themes.Default(primary_hue="blue", secondary_hue="blue", neutral_hue="slate",
                             font=SYSTEM_FONTS, font_mono=MONO_FONTS).set(
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_dark="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_background_fill_hover_dark="*primary_800",
        input_placeholder_color="*neutral_500",
        input_placeholder_color_dark="*neutral_400",
        body_text_color_subdued="*neutral_600",
        block_label_text_color="*neutral_700",
        link_text_color="*primary_700",
        link_text_color_visited="*primary_800",
    )


def _client(request: gr.Request | None) -> str:
    client = getattr(request, "client", None)
    return getattr(client, "host", None) or "unknown"


# -- the parents' chat ---------------------------------------------------------------------

#: Outputs, in order: the conversation shown, the messages kept (the same list), the
#: question box, the status line, and the plain-text history the engine reads.
ChatOut = tuple[Any, ...]
Message = dict[str, Any]


def _message(role: str, content: str, options: list[str] | None = None) -> Message:
    out: Message = {"role": role, "content": content}
    if options:
        out["options"] = [{"value": q, "label": q} for q in options]
    return out


def welcome() -> list[Message]:
    """The conversation before a question: a greeting with example questions to click."""
    return [_message("assistant", WELCOME, EXAMPLES)]


def respond(service: WebService, message: str, messages: list[Message],
            history: list[dict[str, str]], client: str) -> Iterator[ChatOut]:
    """Answer one question: first the status says it is looking, then the question and its
    whole answer join the conversation in one change (one announcement)."""
    messages = list(messages or welcome())
    history = list(history or [])
    try:
        question = service.clean_question(message)
    except QuestionError as exc:
        yield gr.skip(), gr.skip(), message, render.status_html(str(exc), alert=True), gr.skip()
        return
    yield gr.skip(), gr.skip(), "", render.status_html(THINKING), gr.skip()
    asked = _message("user", render.user_html(question))
    try:
        with service.slot(client) as engine:
            result = service.answer(engine, question, history)
    except (LimitExceeded, Unavailable) as exc:
        messages += [asked, _message("assistant", render.notice_message(str(exc)))]
        yield messages, messages, message, render.status_html(str(exc)), history
        return
    turn = len(history) // 2 + 1
    messages += [asked, _message("assistant", render.answer_html(result, turn),
                                 [s.q for s in result.suggestions])]
    # The conversation kept for follow-ups holds no contact details.
    history += [{"role": "user", "content": redact(question)},
                {"role": "assistant", "content": redact(result.text)}]
    yield messages, messages, "", render.status_html(render.status_text(result)), history


def chat_view(service: WebService) -> gr.Blocks:
    with gr.Blocks(title="Questions about SEND support", analytics_enabled=False) as demo:
        start = welcome()
        messages = gr.State(start)
        history = gr.State([])
        with gr.Column(elem_classes="chat-page"):
            gr.HTML(INTRO, js_on_load=None)
            chatbot = gr.Chatbot(
                value=cast(Any, start), label="Conversation", show_label=False, elem_id="chat-log",
                height="auto", layout="bubble", feedback_options=None, buttons=[],
                sanitize_html=False, render_markdown=False, allow_tags=False,
                autoscroll=False, group_consecutive_messages=False,
            )
            with gr.Column(elem_classes="ask-bar", elem_id="ask-bar"):
                with gr.Row(equal_height=True, elem_classes="ask-row"):
                    box = gr.Textbox(label="Your question", elem_id="question", lines=1,
                                     max_lines=4, scale=5, min_width=160, show_label=False,
                                     max_length=service.settings.max_question_chars,
                                     placeholder="Type your question and press Enter")
                    ask = gr.Button("Ask", variant="primary", scale=0, min_width=72)
                with gr.Row(equal_height=True, elem_classes="status-row"):
                    status = gr.HTML(render.status_html(""), elem_id="chat-status",
                                     js_on_load=None)
                    new = gr.Button("New conversation", variant="secondary", size="sm",
                                    scale=0, min_width=150, elem_id="new-conversation")
            gr.HTML(COPY_STATUS, js_on_load=None)
        outputs = [chatbot, messages, box, status, history]

        def on_submit(message: str, shown: list[Message], turns: list[dict[str, str]],
                      request: gr.Request) -> Iterator[ChatOut]:
            yield from respond(service, message, shown, turns, _client(request))

        def on_option(evt: gr.SelectData, shown: list[Message], turns: list[dict[str, str]],
                      request: gr.Request) -> Iterator[ChatOut]:
            yield from respond(service, str(evt.value), shown, turns, _client(request))

        def on_new() -> ChatOut:
            fresh = welcome()
            return fresh, fresh, "", render.status_html(NEW_CONVERSATION), []

        events: dict[str, Any] = {"concurrency_limit": None, "api_visibility": "private",
                                  "show_progress": "hidden"}
        box.submit(on_submit, [box, messages, history], outputs, **events)
        ask.click(on_submit, [box, messages, history], outputs, **events)
        chatbot.option_select(on_option, [messages, history], outputs, **events)
        new.click(on_new, None, outputs, api_visibility="private", queue=False,
                  show_progress="hidden")
        chatbot.clear(on_new, None, outputs, api_visibility="private", queue=False,
                      show_progress="hidden")
    return demo


# -- the helpline look-up ------------------------------------------------------------------

#: What the helpline keeps of the look-up on screen, for a flag: the question and the answer.
LookUp = dict[str, Any]


def look_up(service: WebService, query: str, topic: str, doc_id: str, k: float,
            client: str) -> tuple[str, str, LookUp | None]:
    """The cited answer and the ranked passages, as HTML, and what a flag would record; a
    friendly notice on refusal."""
    try:
        q = service.clean_question(query)
        with service.slot(client) as engine:
            answer = service.answer(engine, q)
            found = service.search(engine, q, int(k), topic or None, doc_id or None)
    except (QuestionError, LimitExceeded, Unavailable) as exc:
        return render.notice_html(str(exc)), "", None
    shown = {"question": q, "answer": answer}
    return render.helpline_answer_html(answer), render.passages_html(found), shown


def search_again(service: WebService, shown: LookUp | None, topic: str, doc_id: str, k: float,
                 client: str) -> str:
    """The ranked passages for the question on screen, with the filters as they are now."""
    if not shown:
        return ""
    try:
        with service.slot(client) as engine:
            found = service.search(engine, shown["question"], int(k), topic or None,
                                   doc_id or None)
    except (LimitExceeded, Unavailable) as exc:
        return render.notice_html(str(exc))
    return render.passages_html(found)


def flag_answer(store: FlagStore, shown: LookUp | None, verdict: str, reason: str,
                right_answer: str, authority: str) -> tuple[str, bool]:
    """Keep an adviser's flag on the answer on screen; the message to show, and whether it
    was kept (then the form is cleared)."""
    answer: Answer | None = (shown or {}).get("answer")
    if not shown or answer is None:
        return render.notice_html("Search first, then flag the answer you were given."), False
    try:
        flag = Flag.of(answer, shown["question"], verdict, reason, right_answer, authority)
    except QuestionError as exc:
        return render.notice_html(str(exc)), False
    n = store.add(flag)
    return (f'<p class="notice flag-saved" role="status">Flag {n} saved. Thank you: it will be '
            "reviewed and may become a test the assistant must pass.</p>"), True


def filter_choices(service: WebService) -> tuple[Any, Any]:
    """The topic and source dropdowns' choices, read from the index when the page loads."""
    try:
        engine = service.provider.get()
    except Unavailable:
        return gr.skip(), gr.skip()
    topic_choices = [("All topics", ""), *((t, t) for t in topics(engine))]
    doc_choices = [("All sources", ""), *sources(engine)]
    return gr.Dropdown(choices=topic_choices), gr.Dropdown(choices=doc_choices)


def helpline_view(service: WebService, store: FlagStore) -> gr.Blocks:
    with gr.Blocks(title="SEND helpline look-up", analytics_enabled=False) as demo:
        shown = gr.State(None)
        gr.HTML('<header class="intro"><h1>Helpline look-up</h1><p>For advisers: search the '
                "guidance, read the cited answer and the ranked passages, copy a citation "
                "with one click, and flag an answer that is wrong or unhelpful.</p></header>",
                js_on_load=None)
        with gr.Row(equal_height=True):
            query = gr.Textbox(label="Search the guidance", elem_id="hl-query", scale=5,
                               min_width=220, placeholder="Type a question and press Enter",
                               max_length=service.settings.max_question_chars)
            go = gr.Button("Search", variant="primary", scale=1, min_width=90)
        gr.HTML(COPY_STATUS, js_on_load=None)
        answer = gr.HTML("", elem_id="hl-answer", js_on_load=None)
        with gr.Accordion("Flag this answer as wrong or unhelpful", open=False, visible=False,
                          elem_id="hl-flag") as flag_box:
            verdict = gr.Radio(label="What is the problem?", value="wrong",
                               choices=[("It is wrong", "wrong"), ("It is unhelpful", "unhelpful")],
                               elem_id="flag-verdict")
            reason = gr.Textbox(label="Why? (required)", lines=2, elem_id="flag-reason",
                                max_length=2000)
            right = gr.Textbox(label="The right answer (optional)", lines=2,
                               elem_id="flag-right", max_length=2000)
            authority = gr.Textbox(label="Its authority (optional)", elem_id="flag-authority",
                                   placeholder="For example: SEND Regulations 2014, reg 5(1)",
                                   max_length=200)
            send = gr.Button("Send the flag", variant="secondary", elem_id="flag-send")
            flag_status = gr.HTML("", elem_id="flag-status", js_on_load=None)
        with gr.Row(elem_classes="hl-filters"):
            topic = gr.Dropdown(label="Topic", choices=[("All topics", "")], value="",
                                elem_id="hl-topic", min_width=180,
                                info="Filters the ranked passages")
            doc = gr.Dropdown(label="Source", choices=[("All sources", "")], value="",
                              elem_id="hl-source", min_width=220,
                              info="Only passages from this note")
            k = gr.Slider(label="Passages to show", minimum=1, maximum=20, step=1, value=8,
                          min_width=180)
        passages = gr.HTML("", elem_id="hl-passages", js_on_load=None)

        def on_search(q: str, t: str, d: str, n: float, request: gr.Request
                      ) -> tuple[Any, ...]:
            html, found, look = look_up(service, q, t, d, n, _client(request))
            return html, found, look, gr.Accordion(visible=look is not None), ""

        def on_filter(look: LookUp | None, t: str, d: str, n: float, request: gr.Request
                      ) -> str:
            return search_again(service, look, t, d, n, _client(request))

        def on_flag(look: LookUp | None, v: str, why: str, good: str, auth: str
                    ) -> tuple[Any, ...]:
            message, kept = flag_answer(store, look, v, why, good, auth)
            if kept:
                return message, "", "", ""
            return message, gr.skip(), gr.skip(), gr.skip()

        events: dict[str, Any] = {"concurrency_limit": None, "api_visibility": "private"}
        searched = [answer, passages, shown, flag_box, flag_status]
        query.submit(on_search, [query, topic, doc, k], searched, **events)
        go.click(on_search, [query, topic, doc, k], searched, **events)
        # `select`, not `input`: a Gradio dropdown reports an input each time it loses focus.
        for control in (topic, doc):
            control.select(on_filter, [shown, topic, doc, k], passages, **events)
        k.release(on_filter, [shown, topic, doc, k], passages, **events)
        send.click(on_flag, [shown, verdict, reason, right, authority],
                   [flag_status, reason, right, authority], **events)
        demo.load(lambda: filter_choices(service), None, [topic, doc],
                  api_visibility="private")
    return demo


def mount_views(app: FastAPI, service: WebService, chat_path: str, helpline_path: str) -> None:
    """Mount both views on the FastAPI app, with no run history kept in the browser."""
    common: dict[str, Any] = {"theme": theme(), "css_paths": [CSS_PATH], "footer_links": [],
                              "run_history": False, "show_error": False, "ssr_mode": False}
    script = _script()
    gr.mount_gradio_app(app, chat_view(service), path=chat_path,
                        head=HEAD_STYLE + HEIGHT_SCRIPT + script, **common)
    gr.mount_gradio_app(app, helpline_view(service, FlagStore.for_settings(service.settings)),
                        path=helpline_path, head=HEAD_STYLE + script, **common)

"""The two Gradio views, thin adapters over `WebService`: the parents' chat and the helpline
look-up. Gradio is imported here and nowhere else.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
from fastapi import FastAPI  # noqa: E402

from assistant.errors import QuestionError  # noqa: E402
from assistant.types import Answer  # noqa: E402
from assistant.web import render  # noqa: E402
from assistant.web.limits import LimitExceeded  # noqa: E402
from assistant.web.privacy import redact  # noqa: E402
from assistant.web.service import Unavailable, WebService, sources, topics  # noqa: E402

STATIC = os.path.join(os.path.dirname(__file__), "static")
CSS_PATH = os.path.join(STATIC, "web.css")
EXAMPLES = [
    "How long does the council have to decide whether to do an EHC needs assessment?",
    "The school says they must spend £6,000 before asking for an EHCP. Is that true?",
    "Can I ask for an EHC needs assessment myself, without the school?",
    "What is SEN support and what should the school be doing?",
]
INTRO = (
    '<header class="intro"><h1>Questions about SEND support</h1>'
    "<p>Ask about support for children and young people with special educational needs "
    "and disabilities (SEND) in schools in England. Answers come from published guidance, "
    "with numbered sources. This is general information, not legal advice.</p>"
    "<p class=\"hint\">Please don't include names, email addresses or phone numbers.</p>"
    "</header>"
)
PLACEHOLDER = (
    "**Ask a question about SEND support in England.** Answers quote the law and guidance "
    "they come from. Try one of these:"
)
THINKING = "Looking through the guidance…"
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
#: Gradio scopes `css` inside the app, so the page padding (outside it) is set here.
HEAD_STYLE = """<style>
@media (max-width: 480px) {
  .gradio-container .main.app { padding-left: 8px !important; padding-right: 8px !important; }
}
</style>"""
STATUS_TEMPLATE = '<p class="chat-status" role="status" aria-live="polite">${value}</p>'
COPY_JS = """
element.addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-copy]');
  if (!button) return;
  const text = button.dataset.copy;
  try {
    await navigator.clipboard.writeText(text);
  } catch (e) {
    const area = document.createElement('textarea');
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
  button.textContent = 'Copied';
  setTimeout(() => { button.textContent = 'Copy citation'; }, 2000);
  const live = document.getElementById('copy-status');
  if (live) live.textContent = 'Copied: ' + text;
});
"""


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

ChatOut = tuple[Any, ...]


def _message(role: str, content: str) -> dict[str, str]:
    return {"role": role, "content": content}


def respond(service: WebService, message: str, chat: list[Any], history: list[dict[str, str]],
            client: str) -> Iterator[ChatOut]:
    """Outputs, in order: chat, question box, side panel (sources, help), status, history."""
    chat = list(chat or [])
    try:
        question = service.clean_question(message)
    except QuestionError as exc:
        yield chat, message, gr.skip(), str(exc), history
        return
    chat += [_message("user", question), _message("assistant", THINKING)]
    yield [*chat], "", "", THINKING, history
    try:
        with service.slot(client) as engine:
            text = ""
            for piece in service.stream(engine, question, history):
                if isinstance(piece, Answer):
                    chat[-1] = _message("assistant", piece.text)
                    # The conversation kept for follow-ups holds no contact details.
                    turns = [_message("user", redact(question)),
                             _message("assistant", redact(piece.text))]
                    yield ([*chat], "", render.panel_html(piece), render.status_text(piece),
                           list(history or []) + turns)
                    return
                text += piece
                chat[-1] = _message("assistant", text)
                yield [*chat], "", gr.skip(), gr.skip(), gr.skip()
    except (LimitExceeded, Unavailable) as exc:
        chat[-1] = _message("assistant", str(exc))
        yield [*chat], message, gr.skip(), str(exc), history


def chat_view(service: WebService) -> gr.Blocks:
    with gr.Blocks(title="Questions about SEND support", analytics_enabled=False) as demo:
        history = gr.State([])
        gr.HTML(INTRO, js_on_load=None)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=300):
                chatbot = gr.Chatbot(
                    label="Conversation", show_label=False, elem_id="chat-log", height="auto",
                    min_height=320, layout="bubble", placeholder=PLACEHOLDER,
                    feedback_options=None, buttons=["copy"],
                    examples=[{"text": q} for q in EXAMPLES],
                )
                with gr.Row(equal_height=True, elem_classes="ask-row"):
                    box = gr.Textbox(label="Your question", elem_id="question", lines=1,
                                     max_lines=6, scale=5, min_width=200,
                                     max_length=service.settings.max_question_chars,
                                     placeholder="Press Enter to ask")
                    ask = gr.Button("Ask", variant="primary", scale=1, min_width=80)
                new = gr.Button("New conversation", variant="secondary", size="md")
                status = gr.HTML("", html_template=STATUS_TEMPLATE, js_on_load=None,
                                 elem_id="chat-status")
            with gr.Column(scale=2, min_width=280):
                panel = gr.HTML(render.EMPTY_PANEL, elem_id="answer-panel", js_on_load=None)
        outputs = [chatbot, box, panel, status, history]

        def on_submit(message: str, chat: list[Any], turns: list[dict[str, str]],
                      request: gr.Request) -> Iterator[ChatOut]:
            yield from respond(service, message, chat, turns, _client(request))

        def on_example(evt: gr.SelectData, chat: list[Any], turns: list[dict[str, str]],
                       request: gr.Request) -> Iterator[ChatOut]:
            yield from respond(service, evt.value["text"], chat, turns, _client(request))

        def on_new() -> ChatOut:
            return [], "", render.EMPTY_PANEL, "Started a new conversation.", []

        events: dict[str, Any] = {"concurrency_limit": None, "api_visibility": "private",
                                  "show_progress": "hidden"}
        box.submit(on_submit, [box, chatbot, history], outputs, **events)
        ask.click(on_submit, [box, chatbot, history], outputs, **events)
        chatbot.example_select(on_example, [chatbot, history], outputs, **events)
        new.click(on_new, None, outputs, api_visibility="private", queue=False)
        chatbot.clear(on_new, None, outputs, api_visibility="private", queue=False)
    return demo


# -- the helpline look-up ------------------------------------------------------------------


def look_up(service: WebService, query: str, topic: str, doc_id: str, k: float,
            client: str) -> tuple[str, str]:
    """The cited answer and the ranked passages, as HTML; a friendly notice on refusal."""
    try:
        q = service.clean_question(query)
        with service.slot(client) as engine:
            answer = service.answer(engine, q)
            found = service.search(engine, q, int(k), topic or None, doc_id or None)
    except (QuestionError, LimitExceeded, Unavailable) as exc:
        return render.notice_html(str(exc)), ""
    return render.helpline_answer_html(answer), render.passages_html(found)


def filter_choices(service: WebService) -> tuple[Any, Any]:
    """The topic and source dropdowns' choices, read from the index when the page loads."""
    try:
        engine = service.provider.get()
    except Unavailable:
        return gr.skip(), gr.skip()
    topic_choices = [("All topics", ""), *((t, t) for t in topics(engine))]
    doc_choices = [("All sources", ""), *sources(engine)]
    return gr.Dropdown(choices=topic_choices), gr.Dropdown(choices=doc_choices)


def helpline_view(service: WebService) -> gr.Blocks:
    with gr.Blocks(title="SEND helpline look-up", analytics_enabled=False) as demo:
        gr.HTML('<header class="intro"><h1>Helpline look-up</h1><p>For advisers: search the '
                "guidance, read the cited answer and the ranked passages, and copy a "
                "citation with one click.</p></header>", js_on_load=None)
        with gr.Row(equal_height=True):
            query = gr.Textbox(label="Search the guidance", elem_id="hl-query", scale=5,
                               min_width=220, placeholder="Type a question and press Enter",
                               max_length=service.settings.max_question_chars)
            go = gr.Button("Search", variant="primary", scale=1, min_width=90)
        with gr.Row():
            topic = gr.Dropdown(label="Topic", choices=[("All topics", "")], value="",
                                elem_id="hl-topic", min_width=180,
                                info="Filters the ranked passages")
            doc = gr.Dropdown(label="Source", choices=[("All sources", "")], value="",
                              elem_id="hl-source", min_width=220,
                              info="Only passages from this note")
            k = gr.Slider(label="Passages to show", minimum=1, maximum=20, step=1, value=8,
                          min_width=180)
        gr.HTML('<p id="copy-status" class="sr-only" role="status" aria-live="polite"></p>',
                js_on_load=None)
        answer = gr.HTML("", elem_id="hl-answer", js_on_load=COPY_JS)
        passages = gr.HTML("", elem_id="hl-passages", js_on_load=COPY_JS)

        def on_search(q: str, t: str, d: str, n: float, request: gr.Request) -> tuple[str, str]:
            return look_up(service, q, t, d, n, _client(request))

        events: dict[str, Any] = {"concurrency_limit": None, "api_visibility": "private"}
        query.submit(on_search, [query, topic, doc, k], [answer, passages], **events)
        go.click(on_search, [query, topic, doc, k], [answer, passages], **events)
        demo.load(lambda: filter_choices(service), None, [topic, doc],
                  api_visibility="private")
    return demo


def mount_views(app: FastAPI, service: WebService, chat_path: str, helpline_path: str) -> None:
    """Mount both views on the FastAPI app, with no run history kept in the browser."""
    common: dict[str, Any] = {"theme": theme(), "css_paths": [CSS_PATH], "footer_links": [],
                              "run_history": False, "show_error": False, "ssr_mode": False}
    gr.mount_gradio_app(app, chat_view(service), path=chat_path, head=HEAD_STYLE + HEIGHT_SCRIPT,
                        **common)
    gr.mount_gradio_app(app, helpline_view(service), path=helpline_path, head=HEAD_STYLE,
                        **common)

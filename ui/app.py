"""The Gradio chat UI: streaming cited answers, a passage inspector, a corpus panel and settings.

`create_app(pipe)` only lays the page out (`Page`) and wires its events to the handlers, methods of
ui.handlers.Desk and ui.feeds_tab.Feeds (no server); `launch(...)` serves it. Per-reader state (the
chat and its answers) lives in gr.State, so readers never see each other's conversations; the store
and the models are shared, and questions wait in Gradio's queue (NEWSDESK_UI_CONCURRENCY at a time).

A reader is not the operator. A reader picks a model only among NEWSDESK_UI_MODELS (never a path or a
host of their own), uploads within the NEWSDESK_UI_MAX_UPLOAD_* and time budgets in their own queue,
adds articles but replaces or removes none unless NEWSDESK_UI_ALLOW_REMOVE is on, and sends files,
never URLs for the server to fetch (unless the operator turns on NEWSDESK_UI_ALLOW_FEEDS:
ui/feeds_tab.py). The page built here holds no corpus data: the article list, the
publishers and the models are filled in when a logged-in page loads (the login page embeds the
built config's API description, dropdown choices included).
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from rag.config import Settings
from rag.pipeline import Pipeline
from ui.feeds_tab import FeedPanel, Feeds
from ui.handlers import MAX_K, Desk
from ui.render import ARTICLE_COLUMNS, CSS, JS, REPORT_COLUMNS, SCROLL_TO_HIT, inspector_html

UPLOAD_TYPES = [".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"]
EXAMPLES = [
    "Who is North Korea's ambassador to the United Nations?",
    "Who told Rex Tillerson that North Korea is open to direct talks?",
    "How many US service members took part in the joint air force drill?",
]


def local_files_only(component: gr.File) -> gr.File:
    """Make a file input take only files uploaded to this server: given FileData naming an http(s) URL,
    Gradio would download it, an outbound connection at a client's say. (Done on the instance: Gradio
    writes a .pyi stub next to the module of every Component subclass when the class is defined.)"""
    move, move_async = component.move_resource_to_block_cache, component.async_move_resource_to_block_cache

    def refuse(url_or_file_path: str | Path | None) -> None:
        if isinstance(url_or_file_path, str) and url_or_file_path.lower().startswith(("http://", "https://")):
            raise gr.Error("Only files uploaded to this server can be ingested, not URLs.")

    def local(url_or_file_path: str | Path | None) -> str | None:
        refuse(url_or_file_path)
        return move(url_or_file_path)

    async def local_async(url_or_file_path: str | Path | None) -> str | None:
        refuse(url_or_file_path)
        return await move_async(url_or_file_path)

    component.move_resource_to_block_cache = local  # type: ignore[method-assign]
    component.async_move_resource_to_block_cache = local_async  # type: ignore[method-assign]
    return component



class Page:
    """The page's components, laid out on construction (inside gr.Blocks); `wire` connects their events."""

    def __init__(self, settings: Settings) -> None:
        self.turns = gr.State([])
        gr.Markdown("## newsdesk — answers from the articles, every claim cited")
        with gr.Row():
            with gr.Column(scale=3):
                self._chat()
            with gr.Column(scale=2):
                with gr.Tab("Passage"):
                    self.cited = gr.HTML(elem_id="nd-citations")
                    self.inspector = gr.HTML(inspector_html(None, None), elem_id="nd-inspector")
                with gr.Tab("Corpus"):
                    self._corpus(settings)
                with gr.Tab("Settings"):
                    self._settings(settings)
        # A click on a [n] link puts its target here and clicks the button (render.JS).
        self.cite_target = gr.Textbox(visible="hidden", elem_id="nd-cite-target")
        self.cite_go = gr.Button(visible="hidden", elem_id="nd-cite-go")

    def _chat(self) -> None:
        self.chatbot = gr.Chatbot(label="Chat", height=520, sanitize_html=True, render_markdown=True,
                                  elem_id="nd-chat", buttons=["copy"])
        with gr.Row():
            self.box = gr.Textbox(placeholder="Ask about the articles…", show_label=False, scale=5,
                                  elem_id="nd-question", max_lines=4)
            self.send = gr.Button("Ask", variant="primary", scale=1, elem_id="nd-ask")
        gr.Examples(EXAMPLES, inputs=self.box)

    def _corpus(self, s: Settings) -> None:
        self.summary = gr.Markdown(elem_id="nd-corpus-summary")
        self.articles = gr.Dataframe(headers=ARTICLE_COLUMNS, interactive=False, wrap=True, elem_id="nd-articles")
        self.files = local_files_only(gr.File(
            label=f"Upload articles (.txt .md .html .json .jsonl; at most {s.ui_max_upload_mb:g} MB a file)",
            file_count="multiple", file_types=UPLOAD_TYPES, elem_id="nd-upload"))
        with gr.Row():
            self.add = gr.Button("Ingest uploaded files", elem_id="nd-ingest")
            self.stop = gr.Button("Stop ingesting", elem_id="nd-stop-ingest")
        self.report = gr.Dataframe(headers=REPORT_COLUMNS, interactive=False, wrap=True, label="Ingest report",
                                   elem_id="nd-report")
        # Choices come on page load; the handlers check the id themselves.
        self.which = gr.Dropdown([], label="Article", allow_custom_value=True, elem_id="nd-article-pick")
        with gr.Row():
            self.view = gr.Button("Open article", elem_id="nd-open")
            self.drop = gr.Button("Remove article", variant="stop", elem_id="nd-remove", visible=s.ui_allow_remove)
        self.feed_panel = FeedPanel(s)  # lists the followed feeds; follow/unfollow if the operator allows

    def _settings(self, s: Settings) -> None:
        # Only what the operator offers (NEWSDESK_UI_MODELS); ModelPipelines.resolve checks every pick.
        self.provider = gr.Dropdown([], label="LLM provider", allow_custom_value=True)
        self.model = gr.Dropdown([], label="Model", allow_custom_value=True)
        self.k = gr.Slider(1, MAX_K, value=s.k, step=1, label="Passages retrieved (top-k)")
        self.publishers = gr.Dropdown([], multiselect=True, allow_custom_value=True, label="Only these publishers")
        self.after = gr.Textbox(label="Published on or after (e.g. 2017-12-01)")
        self.before = gr.Textbox(label="Published on or before")


def wire(app: gr.Blocks, page: Page, desk: Desk, feeds: Feeds) -> None:
    p = page
    ask_inputs = [p.box, p.chatbot, p.turns, p.k, p.publishers, p.after, p.before, p.provider, p.model]
    ask_outputs = [p.chatbot, p.turns, p.cited, p.box]
    p.send.click(desk.respond, ask_inputs, ask_outputs, api_name="ask")
    p.box.submit(desk.respond, ask_inputs, ask_outputs, api_name=False)
    p.cite_go.click(desk.show_citation, [p.cite_target, p.turns], p.inspector, api_name="citation").then(
        None, js=SCROLL_TO_HIT)
    p.view.click(desk.show_article, p.which, p.inspector, api_name="article")
    corpus = [p.summary, p.articles, p.which, p.publishers]
    # Uploads queue apart from questions and removals, one at a time, each within its budgets.
    p.add.click(desk.upload, p.files, [p.report, *corpus], api_name="upload", concurrency_id="upload",
                concurrency_limit=1)
    # Not queued behind the upload it stops.
    p.stop.click(desk.stop_upload, None, None, api_name="stop_upload", concurrency_limit=None)
    p.drop.click(desk.remove_article, p.which, [p.report, *corpus], api_name="remove", concurrency_id="remove",
                 concurrency_limit=1)
    app.load(desk.page_outputs, None, [*corpus, p.provider, p.model], api_name=False)
    p.feed_panel.wire(app, feeds, p.report, corpus)


def create_app(pipe: Pipeline) -> gr.Blocks:
    desk = Desk(pipe)
    with gr.Blocks(title="newsdesk", fill_width=True) as app:
        wire(app, Page(pipe.settings), desk, Feeds(desk))
    return app


def launch(settings: Settings, pipe: Pipeline, *, host: str | None = None, port: int | None = None,
           block: bool = True) -> gr.Blocks:
    app = create_app(pipe)
    app.queue(default_concurrency_limit=settings.ui_concurrency)
    auth, middleware = None, []
    if settings.ui_auth:
        user, _, password = settings.ui_auth.get_secret_value().partition(":")
        auth = (user, password)
        from starlette.middleware import Middleware

        from ui.login import LoginGuard

        def logged_in(tokens: list[str]) -> bool:
            return any(t in app.server_app.tokens for t in tokens)

        middleware = [Middleware(LoginGuard, logged_in=logged_in, free=settings.ui_login_attempts)]
    app.launch(server_name=host or settings.ui_host, server_port=port or settings.ui_port, auth=auth,
               prevent_thread_lock=not block, show_error=True, css=CSS, js=JS, footer_links=[],
               max_file_size=f"{int(settings.ui_max_upload_mb * 1000)}kb", quiet=not block,
               app_kwargs={"middleware": middleware})
    return app

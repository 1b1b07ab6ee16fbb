"""The Gradio chat UI: streaming cited answers, a passage inspector, a corpus panel and settings.

`create_app(pipe)` builds the Blocks (no server); `launch(...)` serves it. Per-reader state (the chat
and its answers) lives in gr.State, so readers never see each other's conversations; the store and
the models are shared, and questions wait in Gradio's queue (NEWSDESK_UI_CONCURRENCY at a time).

A reader is not the operator. A reader picks a model only among NEWSDESK_UI_MODELS (never a path or a
host of their own), uploads within the NEWSDESK_UI_MAX_UPLOAD_* and time budgets in their own queue,
adds articles but replaces or removes none unless NEWSDESK_UI_ALLOW_REMOVE is on, and sends files,
never URLs for the server to fetch (unless the operator turns on NEWSDESK_UI_ALLOW_FEEDS:
ui/feeds_tab.py). The page built here holds no corpus data: the article list, the
publishers and the models are filled in when a logged-in page loads (the login page embeds the
built config's API description, dropdown choices included).
"""

from __future__ import annotations

import shutil
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import gradio as gr

from rag.answering.answer import answer_stream, check_question
from rag.config import Settings
from rag.ingest.articles import ingest, remove
from rag.pipeline import Pipeline
from rag.retrieval.hybrid import Filters
from rag.types import Outcome
from ui.feeds_tab import FeedPanel
from ui.render import (
    CSS,
    JS,
    SCROLL_TO_HIT,
    answer_markdown,
    citations_html,
    draft_markdown,
    escape,
    inspector_html,
)

UPLOAD_TYPES = [".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"]
EXAMPLES = [
    "Who is North Korea's ambassador to the United Nations?",
    "Who told Rex Tillerson that North Korea is open to direct talks?",
    "How many US service members took part in the joint air force drill?",
]
MAX_K = 20  # the top-k slider's end; the API is held to it too
ARTICLE_COLUMNS = ["published", "publisher", "title", "author", "file", "chunks", "article_id"]


class Session:
    """The LLMs the operator offers, each a pipeline sharing the base one's store, embedder and BM25
    index. At most NEWSDESK_UI_PIPELINES stay loaded (least recently used first out), so no sequence
    of readers' choices can grow memory without bound."""

    def __init__(self, pipe: Pipeline) -> None:
        self.base = pipe
        self.choices = pipe.settings.ui_model_choices()
        self.keep = pipe.settings.ui_pipelines
        self._pipes: OrderedDict[tuple[str, str], Pipeline] = OrderedDict({self.choices[0]: pipe})
        self._lock = threading.Lock()

    def resolve(self, provider: str, model: str) -> tuple[str, str]:
        """The offered (provider, model) a reader's pick names; ValueError if it names none. Empty
        provider = the configured one; empty model = the provider's first offered model."""
        provider = (provider or "").strip() or self.base.settings.provider
        model = (model or "").strip()
        offered = [c for c in self.choices if c[0] == provider]
        for choice in offered:
            if not model or model == choice[1] or (provider == "llamacpp" and _same_file(model, choice[1])):
                return choice
        listed = ", ".join(f"{p} {m or '(default)'}" for p, m in self.choices)
        raise ValueError(f"{provider} {model or '(default)'} is not offered here; choose one of: {listed}")

    def pipeline(self, provider: str, model: str) -> Pipeline:
        key = self.resolve(provider, model)
        with self._lock:
            pipe = self._pipes.pop(key, None)
            if pipe is None:
                pipe = self.base if key == self.choices[0] else self.base.with_llm(*key)
            self._pipes[key] = pipe
            while len(self._pipes) > self.keep:
                self._pipes.popitem(last=False)  # its LLM goes once no answer in flight still uses it
            return pipe

    def loaded(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._pipes)


def _same_file(typed: str, offered: str) -> bool:
    try:
        return str(Path(typed).expanduser().resolve()) == offered
    except (OSError, RuntimeError, ValueError):
        return False


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


def article_rows(pipe: Pipeline) -> list[list[Any]]:
    return [[r.get("published", ""), r.get("publisher", ""), r.get("title", ""), r.get("author", ""),
             r.get("file", ""), r.get("n_chunks", 0), r["article_id"]] for r in pipe.store.list_articles()]


def corpus_summary(pipe: Pipeline) -> str:
    counts = pipe.store.counts()
    return f"**{counts['articles']}** articles · **{counts['chunks']}** chunks"


def article_choices(pipe: Pipeline) -> list[tuple[str, str]]:
    return [(f"{r.get('title') or r['article_id']} ({r.get('file') or r['article_id']})", r["article_id"])
            for r in pipe.store.list_articles()]


def model_label(provider: str, model: str) -> str:
    """What the model picker shows: a GGUF's file name, not the operator's folder layout."""
    name = Path(model).name if provider == "llamacpp" else model
    return name or "default"


def report_rows(outcomes: list[Outcome]) -> list[list[Any]]:
    return [[Path(o.source).name, o.status, o.chunks, "; ".join([o.reason or o.title, *o.warnings])]
            for o in outcomes]


def stream_answer(pipe: Pipeline, question: str, history: list[tuple[str, str]], k: int,
                  filters: Filters) -> Any:
    """Yields ("token", draft so far) while the LLM writes, then ("done", the answer as a dict)."""
    draft = ""
    try:
        for part in answer_stream(question, pipe, k=k, filters=filters, history=history):
            if isinstance(part, str):
                draft += part
                yield "token", draft
            else:
                yield "done", part.to_dict()
    except Exception as exc:  # reported in the chat, never as a traceback
        raise gr.Error(f"Could not answer: {type(exc).__name__}: {exc}") from None


def create_app(pipe: Pipeline) -> gr.Blocks:
    session = Session(pipe)
    s = pipe.settings

    def respond(message: str, chat: list[dict[str, Any]], turns: list[dict[str, Any]], k: float,
                publishers: list[str] | None, after: str, before: str, provider: str, model: str):
        try:
            question = check_question(message)
        except ValueError as exc:
            raise gr.Error(f"Cannot ask that: {exc}.") from None
        try:
            chosen = session.pipeline(provider, model)
        except ValueError as exc:
            raise gr.Error(f"Cannot use that model: {exc}.") from None
        chat = [*chat, {"role": "user", "content": escape(question)},
                {"role": "assistant", "content": "<small>searching the articles…</small>"}]
        yield chat, turns, gr.update(), ""
        # The API takes any list here (the choices come on page load): each publisher costs a sub-query.
        unknown = sorted(set(publishers or []) - set(pipe.publishers()))
        if unknown:
            raise gr.Error(f"No stored article is from {', '.join(unknown[:3])}; pick publishers from the list.")
        history = [(t["question"], t["answer"]) for t in turns]
        filters = Filters(publishers=publishers or [], after=after or "", before=before or "")
        for kind, value in stream_answer(chosen, question, history, min(max(int(k), 1), MAX_K), filters):
            if kind == "token":
                chat[-1] = {"role": "assistant", "content": draft_markdown(value)}
                yield chat, turns, gr.update(), ""
            else:
                turn = len(turns)
                turns = [*turns, value]
                chat[-1] = {"role": "assistant", "content": answer_markdown(value, turn)}
                yield chat, turns, citations_html(value, turn), ""

    def show_citation(target: str, turns: list[dict[str, Any]]) -> str:
        try:
            turn, n = (int(x) for x in (target or "").split("-"))
            citation = next(c for c in turns[turn]["citations"] if c["n"] == n)
        except (ValueError, IndexError, StopIteration):
            return inspector_html(None, None)
        return inspector_html(pipe.store.get_article(citation["article_id"]), citation)

    def show_article(article_id: str) -> str:
        return inspector_html(pipe.store.get_article(article_id) if article_id else None, None)

    def corpus_outputs() -> tuple[Any, ...]:
        choices = article_choices(pipe)
        return (corpus_summary(pipe), article_rows(pipe), gr.update(choices=choices, value=None),
                gr.update(choices=pipe.publishers()))

    def page_outputs() -> tuple[Any, ...]:
        # Filled in when a (logged-in) page loads, never at build time: see the module docstring.
        providers = list(dict.fromkeys(p for p, _ in session.choices))
        models = [(model_label(p, m), m) for p, m in session.choices]
        return (*corpus_outputs(), gr.update(choices=providers, value=session.choices[0][0]),
                gr.update(choices=models, value=session.choices[0][1]))

    stops: dict[str, threading.Event] = {}  # per reader session: the upload in progress should stop

    def upload(files: list[str] | None, request: gr.Request,
               progress: gr.Progress = gr.Progress()) -> Any:  # noqa: B008
        """Ingests the upload file by file, within the size and time budgets, yielding the report so
        far after each file. The time budget and the stop button end it part way through a file too
        (checked between embedding batches); what was not stored is reported as skipped."""
        if not files:
            raise gr.Error("Choose one or more files to upload.")
        total = sum(Path(f).stat().st_size for f in files)
        if total > s.ui_max_upload_total_mb * 1_000_000:
            raise gr.Error(f"This upload is {total / 1_000_000:.1f} MB; at most {s.ui_max_upload_total_mb:g} MB "
                           "may be uploaded at once here. Upload fewer files at a time.")
        # Uploads are kept under the data dir by name, so uploading a changed file again replaces it
        # (when the operator allows replacing).
        folder = s.data_dir / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        settings = s.model_copy(update={"max_file_mb": s.ui_max_upload_mb})
        deadline = time.monotonic() + s.ui_upload_timeout_s
        stop = stops[request.session_hash] = threading.Event()

        def should_stop() -> bool:
            return stop.is_set() or time.monotonic() > deadline

        outcomes: list[Outcome] = []
        for n, f in enumerate(files):
            name = Path(f).name
            progress(n / len(files), desc=f"Ingesting {name}")
            if should_stop():
                why = "stopped" if stop.is_set() else f"the upload's {s.ui_upload_timeout_s:g} s time budget ran out"
                outcomes += [Outcome(Path(g).name, "skipped", f"{why} before this file; upload it again")
                             for g in files[n:]]
                break
            dest = folder / name
            if dest.exists() and not s.ui_allow_remove and dest.read_bytes() != Path(f).read_bytes():
                outcomes.append(Outcome(name, "rejected", "a different file of this name was uploaded before, "
                                        "and replacing stored articles is not allowed here; rename the file"))
            else:
                if Path(f).stat().st_size <= settings.max_file_mb * 1_000_000:
                    shutil.copyfile(f, dest)
                else:  # rejected by ingest with its size reason; nothing is kept
                    dest = Path(f)
                outcomes += ingest([dest], settings, pipe.store, pipe.embedder, allow_replace=s.ui_allow_remove,
                                   should_stop=should_stop)
            yield (report_rows(outcomes), *(gr.update() for _ in range(4)))
        stops.pop(request.session_hash, None)
        pipe.lexical()  # BM25 takes in the new articles now, not on the next question
        yield (report_rows(outcomes), *corpus_outputs())

    def stop_upload(request: gr.Request) -> None:
        if request.session_hash in stops:
            stops[request.session_hash].set()

    def remove_article(article_id: str | None) -> tuple[Any, ...]:
        if not s.ui_allow_remove:
            raise gr.Error("Removing articles is turned off on this server (NEWSDESK_UI_ALLOW_REMOVE).")
        if not article_id:
            raise gr.Error("Choose an article to remove.")
        if pipe.store.get_article(article_id) is None:
            raise gr.Error("No stored article has this id.")
        outcomes = remove([article_id], pipe.store)
        pipe.lexical()
        return (report_rows(outcomes), *corpus_outputs())

    with gr.Blocks(title="newsdesk", fill_width=True) as app:
        turns = gr.State([])
        gr.Markdown("## newsdesk — answers from the articles, every claim cited")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Chat", height=520, sanitize_html=True, render_markdown=True,
                                     elem_id="nd-chat", buttons=["copy"])
                with gr.Row():
                    box = gr.Textbox(placeholder="Ask about the articles…", show_label=False, scale=5,
                                     elem_id="nd-question", max_lines=4)
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="nd-ask")
                gr.Examples(EXAMPLES, inputs=box)
            with gr.Column(scale=2):
                with gr.Tab("Passage"):
                    cited = gr.HTML(elem_id="nd-citations")
                    inspector = gr.HTML(inspector_html(None, None), elem_id="nd-inspector")
                with gr.Tab("Corpus"):
                    summary = gr.Markdown(elem_id="nd-corpus-summary")
                    articles = gr.Dataframe(headers=ARTICLE_COLUMNS, interactive=False, wrap=True,
                                            elem_id="nd-articles")
                    files = local_files_only(gr.File(
                        label=f"Upload articles (.txt .md .html .json .jsonl; at most {s.ui_max_upload_mb:g} MB "
                        "a file)", file_count="multiple", file_types=UPLOAD_TYPES, elem_id="nd-upload"))
                    with gr.Row():
                        add = gr.Button("Ingest uploaded files", elem_id="nd-ingest")
                        stop = gr.Button("Stop ingesting", elem_id="nd-stop-ingest")
                    report = gr.Dataframe(headers=["file", "status", "chunks", "detail"], interactive=False,
                                          wrap=True, label="Ingest report", elem_id="nd-report")
                    # Choices come on page load; the handlers check the id themselves.
                    which = gr.Dropdown([], label="Article", allow_custom_value=True, elem_id="nd-article-pick")
                    with gr.Row():
                        view = gr.Button("Open article", elem_id="nd-open")
                        drop = gr.Button("Remove article", variant="stop", elem_id="nd-remove",
                                         visible=s.ui_allow_remove)
                    feed_panel = FeedPanel(s)  # lists the followed feeds; follow/unfollow if the operator allows
                with gr.Tab("Settings"):
                    # Only what the operator offers (NEWSDESK_UI_MODELS); Session.resolve checks every pick.
                    provider = gr.Dropdown([], label="LLM provider", allow_custom_value=True)
                    model = gr.Dropdown([], label="Model", allow_custom_value=True)
                    k = gr.Slider(1, MAX_K, value=s.k, step=1, label="Passages retrieved (top-k)")
                    publishers = gr.Dropdown([], multiselect=True, allow_custom_value=True,
                                             label="Only these publishers")
                    after = gr.Textbox(label="Published on or after (e.g. 2017-12-01)")
                    before = gr.Textbox(label="Published on or before")
        cite_target = gr.Textbox(visible="hidden", elem_id="nd-cite-target")
        cite_go = gr.Button(visible="hidden", elem_id="nd-cite-go")

        ask_inputs = [box, chatbot, turns, k, publishers, after, before, provider, model]
        ask_outputs = [chatbot, turns, cited, box]
        send.click(respond, ask_inputs, ask_outputs, api_name="ask")
        box.submit(respond, ask_inputs, ask_outputs, api_name=False)
        cite_go.click(show_citation, [cite_target, turns], inspector, api_name="citation").then(
            None, js=SCROLL_TO_HIT)
        view.click(show_article, which, inspector, api_name="article")
        corpus = [summary, articles, which, publishers]
        # Uploads queue apart from questions and removals, one at a time, each within its budgets.
        add.click(upload, files, [report, *corpus], api_name="upload", concurrency_id="upload", concurrency_limit=1)
        # The flag stops the ingest thread within a batch; cancelling alone would wait for it to finish.
        stop.click(stop_upload, None, None, api_name="stop_upload", concurrency_limit=None)
        drop.click(remove_article, which, [report, *corpus], api_name="remove", concurrency_id="remove",
                   concurrency_limit=1)
        app.load(page_outputs, None, [*corpus, provider, model], api_name=False)
        feed_panel.wire(app, pipe, report, corpus, corpus_outputs, report_rows)
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

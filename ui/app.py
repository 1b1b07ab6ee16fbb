"""The Gradio chat UI: streaming cited answers, a passage inspector, a corpus panel and settings.

`create_app(pipe)` builds the Blocks (no server); `launch(...)` serves it. Per-reader state (the chat
and its answers) lives in gr.State, so readers never see each other's conversations; the store and
the models are shared, and questions wait in Gradio's queue (NEWSDESK_UI_CONCURRENCY at a time).
"""

from __future__ import annotations

import queue
import shutil
import threading
from pathlib import Path
from typing import Any

import gradio as gr

from rag.answer import answer, check_question
from rag.config import Settings
from rag.ingest import ingest, remove
from rag.pipeline import Pipeline
from rag.retrieve import Filters
from rag.types import Outcome
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
ARTICLE_COLUMNS = ["published", "publisher", "title", "author", "file", "chunks", "article_id"]


class Session:
    """Pipelines per LLM choice, all sharing one store and one embedding model."""

    def __init__(self, pipe: Pipeline) -> None:
        self.base = pipe
        self._pipes: dict[tuple[str, str], Pipeline] = {(pipe.settings.provider, pipe.settings.llm_model): pipe}
        self._lock = threading.Lock()

    def pipeline(self, provider: str, model: str) -> Pipeline:
        key = (provider or self.base.settings.provider, (model or "").strip())
        with self._lock:
            if key not in self._pipes:
                settings = self.base.settings.model_copy(update={"provider": key[0], "llm_model": key[1]})
                self._pipes[key] = Pipeline(settings, self.base.embedder, self.base.store)
            return self._pipes[key]


def article_rows(pipe: Pipeline) -> list[list[Any]]:
    return [[r.get("published", ""), r.get("publisher", ""), r.get("title", ""), r.get("author", ""),
             r.get("file", ""), r.get("n_chunks", 0), r["article_id"]] for r in pipe.store.list_articles()]


def corpus_summary(pipe: Pipeline) -> str:
    counts = pipe.store.counts()
    return f"**{counts['articles']}** articles · **{counts['chunks']}** chunks"


def article_choices(pipe: Pipeline) -> list[tuple[str, str]]:
    return [(f"{r.get('title') or r['article_id']} ({r.get('file') or r['article_id']})", r["article_id"])
            for r in pipe.store.list_articles()]


def publisher_choices(pipe: Pipeline) -> list[str]:
    return sorted({r["publisher"] for r in pipe.store.list_articles() if r.get("publisher")})


def report_rows(outcomes: list[Outcome]) -> list[list[Any]]:
    return [[Path(o.source).name, o.status, o.chunks, "; ".join([o.reason or o.title, *o.warnings])]
            for o in outcomes]


def stream_answer(pipe: Pipeline, question: str, history: list[tuple[str, str]], k: int,
                  filters: Filters) -> Any:
    """Runs answer() in a thread and yields ("token", text) while the LLM writes, then ("done", result)."""
    tokens: queue.Queue[str | None] = queue.Queue()
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["result"] = answer(question, pipe, k=k, filters=filters, on_token=tokens.put, history=history)
        except Exception as exc:  # reported in the chat, never as a traceback
            box["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            tokens.put(None)

    threading.Thread(target=work, daemon=True).start()
    draft = ""
    while (token := tokens.get()) is not None:
        draft += token
        yield "token", draft
    if "error" in box:
        raise gr.Error(f"Could not answer: {box['error']}")
    yield "done", box["result"]


def create_app(pipe: Pipeline) -> gr.Blocks:
    session = Session(pipe)
    s = pipe.settings

    def respond(message: str, chat: list[dict[str, Any]], turns: list[dict[str, Any]], k: float,
                publishers: list[str] | None, after: str, before: str, provider: str, model: str):
        try:
            question = check_question(message)
        except ValueError as exc:
            raise gr.Error(f"Cannot ask that: {exc}.") from None
        chat = [*chat, {"role": "user", "content": escape(question)},
                {"role": "assistant", "content": "<small>searching the articles…</small>"}]
        yield chat, turns, gr.update(), ""
        history = [(t["question"], t["answer"]) for t in turns]
        filters = Filters(publishers=publishers or [], after=after or "", before=before or "")
        for kind, value in stream_answer(session.pipeline(provider, model), question, history, int(k), filters):
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
                gr.update(choices=publisher_choices(pipe)))

    def upload(files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        if not files:
            raise gr.Error("Choose one or more files to upload.")
        # Uploads are kept under the data dir by name, so uploading a changed file again replaces it.
        folder = s.data_dir / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for f in files:
            dest = folder / Path(f).name
            shutil.copyfile(f, dest)
            paths.append(dest)
        progress(0, desc="Ingesting")
        outcomes = ingest(paths, s, pipe.store, pipe.embedder,
                          progress=lambda n, total, name: progress(n / total, desc=f"{Path(name).name}"))
        pipe.lexical()  # BM25 takes in the new articles now, not on the next question
        return (report_rows(outcomes), *corpus_outputs())

    def remove_article(article_id: str | None) -> tuple[Any, ...]:
        if not article_id:
            raise gr.Error("Choose an article to remove.")
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
                    summary = gr.Markdown(corpus_summary(pipe), elem_id="nd-corpus-summary")
                    articles = gr.Dataframe(article_rows(pipe), headers=ARTICLE_COLUMNS, interactive=False,
                                            wrap=True, elem_id="nd-articles")
                    files = gr.File(label="Upload articles (.txt .md .html .json .jsonl)", file_count="multiple",
                                    file_types=UPLOAD_TYPES, elem_id="nd-upload")
                    add = gr.Button("Ingest uploaded files", elem_id="nd-ingest")
                    report = gr.Dataframe(headers=["file", "status", "chunks", "detail"], interactive=False,
                                          wrap=True, label="Ingest report", elem_id="nd-report")
                    which = gr.Dropdown(article_choices(pipe), label="Article", elem_id="nd-article-pick")
                    with gr.Row():
                        view = gr.Button("Open article", elem_id="nd-open")
                        drop = gr.Button("Remove article", variant="stop", elem_id="nd-remove")
                with gr.Tab("Settings"):
                    provider = gr.Dropdown(["llamacpp", "ollama", "openai"], value=s.provider, label="LLM provider")
                    model = gr.Textbox(value=s.llm_model, label="Model (GGUF path or model name; empty = default)")
                    k = gr.Slider(1, 20, value=s.k, step=1, label="Passages retrieved (top-k)")
                    publishers = gr.Dropdown(publisher_choices(pipe), multiselect=True, label="Only these publishers")
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
        add.click(upload, files, [report, *corpus], api_name="upload", concurrency_id="corpus")
        drop.click(remove_article, which, [report, *corpus], api_name="remove", concurrency_id="corpus")
        app.load(corpus_outputs, None, corpus, api_name=False)
    return app


def launch(settings: Settings, pipe: Pipeline, *, host: str | None = None, port: int | None = None,
           block: bool = True) -> gr.Blocks:
    app = create_app(pipe)
    app.queue(default_concurrency_limit=settings.ui_concurrency)
    auth = None
    if settings.ui_auth:
        user, _, password = settings.ui_auth.get_secret_value().partition(":")
        auth = (user, password)
    app.launch(server_name=host or settings.ui_host, server_port=port or settings.ui_port, auth=auth,
               prevent_thread_lock=not block, show_error=True, css=CSS, js=JS, footer_links=[],
               max_file_size=f"{int(settings.max_file_mb)}mb", quiet=not block)
    return app

"""The page's event handlers, as methods of `Desk`.

Plain values in and out (a gr.update dict where a component's choices change; gr.Error for what the
reader is told), so tests call them with a real Pipeline and no server; ui/app.py lays the page out
and wires its events to these methods. Per-reader state (the chat and its answers) comes in and goes
out as arguments, never kept here: readers never see each other's conversations. The store, the
models and the local index are shared.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import gradio as gr

from rag.answering.answer import answer_stream, check_question
from rag.answering.result import Answer
from rag.ingest.removal import remove
from rag.pipeline import Pipeline
from rag.retrieval.filters import Filters
from ui.models import ModelPipelines
from ui.render import (
    answer_markdown,
    article_choices,
    article_rows,
    citations_html,
    corpus_summary,
    draft_markdown,
    escape,
    inspector_html,
    report_rows,
)
from ui.uploads import ingest_upload, too_big

MAX_K = 20  # the top-k slider's end; the API is held to it too
Message = dict[str, Any]  # {"role": ..., "content": ...} as gr.Chatbot takes it


class Desk:
    """One per app: the pipelines per model, and the stop flags of the uploads in progress."""

    def __init__(self, pipe: Pipeline) -> None:
        self.pipe = pipe
        self.settings = pipe.settings
        self.models = ModelPipelines(pipe)
        self._stops: dict[str, threading.Event] = {}  # per reader session: the upload in progress should stop

    # --- chat -----------------------------------------------------------------------------------

    def respond(self, message: str, chat: list[Message], turns: list[Answer], k: float, publishers: list[str] | None,
                after: str, before: str, provider: str, model: str) -> Iterator[tuple[Any, ...]]:
        """Yields (chat, turns, cited passages HTML, question box): first the question and a searching
        note, then the draft as the LLM writes it, last the checked answer with its [n] links."""
        try:
            question = check_question(message)
        except ValueError as exc:
            raise gr.Error(f"Cannot ask that: {exc}.") from None
        chosen = self.pipeline_for(provider, model)
        chat = [*chat, {"role": "user", "content": escape(question)},
                {"role": "assistant", "content": "<small>searching the articles…</small>"}]
        yield chat, turns, gr.update(), ""
        # The API takes any list here (the choices come on page load): each publisher costs a sub-query.
        unknown = sorted(set(publishers or []) - set(self.pipe.publishers()))
        if unknown:
            raise gr.Error(f"No stored article is from {', '.join(unknown[:3])}; pick publishers from the list.")
        history = [(t.question, t.answer) for t in turns]
        filters = Filters(publishers=publishers or [], after=after or "", before=before or "")
        draft = ""
        try:
            for part in answer_stream(question, chosen, k=min(max(int(k), 1), MAX_K), filters=filters,
                                      history=history):
                if isinstance(part, Answer):  # the last part: the checked answer
                    turn = len(turns)
                    yield (_say(chat, answer_markdown(part, turn)), [*turns, part], citations_html(part, turn),
                           "")
                else:
                    draft += part
                    yield _say(chat, draft_markdown(draft)), turns, gr.update(), ""
        except Exception as exc:  # reported in the chat, never as a traceback
            raise gr.Error(f"Could not answer: {type(exc).__name__}: {exc}") from None

    def show_citation(self, target: str, turns: list[Answer]) -> str:
        """The article of citation "turn-n" (the [n] link's target) with the cited span highlighted."""
        try:
            turn, n = (int(x) for x in (target or "").split("-"))
            citation = next(c for c in turns[turn].citations if c.n == n)
        except (ValueError, IndexError, StopIteration):
            return inspector_html(None, None)
        return inspector_html(self.pipe.store.get_article(citation.article_id), citation)

    def show_article(self, article_id: str | None) -> str:
        return inspector_html(self.pipe.store.get_article(article_id) if article_id else None, None)

    # --- models ---------------------------------------------------------------------------------

    def pipeline_for(self, provider: str, model: str) -> Pipeline:
        try:
            return self.models.pipeline(provider, model)
        except ValueError as exc:
            raise gr.Error(f"Cannot use that model: {exc}.") from None

    def model_outputs(self) -> tuple[Any, Any]:
        """The provider and model pickers' choices, the configured model picked."""
        first = self.models.choices[0]
        return (gr.update(choices=self.models.providers(), value=first[0]),
                gr.update(choices=self.models.labelled(), value=first[1]))

    # --- corpus ---------------------------------------------------------------------------------

    def corpus_outputs(self) -> tuple[Any, ...]:
        """Summary, article table, article picker, publisher picker."""
        rows = self.pipe.store.list_articles()
        return (corpus_summary(self.pipe.store.counts()), article_rows(rows),
                gr.update(choices=article_choices(rows), value=None), gr.update(choices=self.pipe.publishers()))

    def page_outputs(self) -> tuple[Any, ...]:
        # Filled in when a (logged-in) page loads, never at build time: the login page embeds the
        # built config, and it must hold no corpus data.
        return (*self.corpus_outputs(), *self.model_outputs())

    def upload(self, files: list[str] | None, request: gr.Request | None = None,
               progress: gr.Progress = gr.Progress()) -> Iterator[tuple[Any, ...]]:  # noqa: B008
        """Yields (report rows, 4 corpus outputs) after each file: the corpus outputs unchanged until the
        last, which also has the index take in the new articles."""
        if not files:
            raise gr.Error("Choose one or more files to upload.")
        if why := too_big(files, self.settings):
            raise gr.Error(why)
        key = _session(request)
        stop = self._stops[key] = threading.Event()
        outcomes: list[Any] = []
        try:
            for outcomes in ingest_upload(files, self.pipe, stop, progress):
                yield (report_rows(outcomes), *(gr.update() for _ in range(4)))
        finally:
            self._stops.pop(key, None)
        self.pipe.local_index()  # BM25 takes in the new articles now, not on the next question
        yield (report_rows(outcomes), *self.corpus_outputs())

    def stop_upload(self, request: gr.Request | None = None) -> None:
        """Sets the flag the reader's upload checks between embedding batches: cancelling the event
        alone would wait for the ingest in progress to finish."""
        if (stop := self._stops.get(_session(request))) is not None:
            stop.set()

    def remove_article(self, article_id: str | None) -> tuple[Any, ...]:
        if not self.settings.ui_allow_remove:
            raise gr.Error("Removing articles is turned off on this server (NEWSDESK_UI_ALLOW_REMOVE).")
        if not article_id:
            raise gr.Error("Choose an article to remove.")
        if self.pipe.store.get_article(article_id) is None:
            raise gr.Error("No stored article has this id.")
        outcomes = remove([article_id], self.pipe.store)
        self.pipe.local_index()
        return (report_rows(outcomes), *self.corpus_outputs())


def _say(chat: list[Message], content: str) -> list[Message]:
    """The chat with its last (assistant) message replaced: a new list each time, so what was yielded
    before stays as it was."""
    return [*chat[:-1], {"role": "assistant", "content": content}]


def _session(request: gr.Request | None) -> str:
    return getattr(request, "session_hash", None) or ""


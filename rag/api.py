"""newsdesk as a Python library: the third way in, next to the CLI and the web UI.

    from rag import Newsdesk
    nd = Newsdesk(data_dir="news")            # any setting of rag.config.Settings as a keyword
    nd.ingest(["articles/"])                  # -> list[Outcome], one per file or record
    nd.ask("What did UPI report about ...?")  # -> Answer (typed; .to_dict() is `ask --json`)
    nd.search("...")                          # -> list[langchain_core.documents.Document]
    nd.as_retriever()                         # -> NewsRetriever, a LangChain BaseRetriever

Everything runs through the same stages as the CLI (one Pipeline per instance, built on first use), so
a store made here is read by `newsdesk serve` and the other way round, and the write lock keeps two
processes from corrupting it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.config import Settings

if TYPE_CHECKING:  # the heavy stack loads on first use, not on `import rag`
    from langchain_core.documents import Document

    from rag.answering.result import Answer
    from rag.pipeline import Pipeline
    from rag.retrieval.filters import Filters
    from rag.retrieval.retriever import NewsRetriever
    from rag.types import Outcome


class Newsdesk:
    def __init__(self, data_dir: str | Path | None = None, **settings: Any) -> None:
        """`settings` are fields of rag.config.Settings (k=8, provider="ollama", ...); NEWSDESK_* env vars
        fill in what is not given, as for the CLI. Unknown names are a TypeError, not silently ignored."""
        # Names with a leading "_" are pydantic-settings options (_env_file=None: no .env file is read).
        unknown = sorted(n for n in settings if n not in Settings.model_fields and not n.startswith("_"))
        if unknown:
            raise TypeError(f"unknown newsdesk setting(s): {', '.join(unknown)}")
        if data_dir is not None:
            settings["data_dir"] = Path(data_dir)
        self.settings = Settings(**settings)
        self._pipeline: Pipeline | None = None

    @property
    def pipeline(self) -> Pipeline:
        """The store, embedder, local index and LLM behind this instance (loaded on first use)."""
        if self._pipeline is None:
            from rag.pipeline import load_pipeline

            self._pipeline = load_pipeline(self.settings)
        return self._pipeline

    # --- the store ------------------------------------------------------------------------------
    def ingest(self, paths: str | Path | Iterable[str | Path], *, sync: bool = False) -> list[Outcome]:
        """Ingest files and folders (.txt, .md, .html, bulk .json/.jsonl). A file that cannot be read is
        an Outcome with status "rejected" and its reason, never an exception. sync=True also removes
        stored articles whose file is gone from the folders given."""
        from rag.ingest.articles import ingest

        pipe = self.pipeline
        outcomes = ingest(_paths(paths), pipe.settings, pipe.store, pipe.embedder, sync=sync)
        pipe.local_index()  # the BM25 index and vector copy take in the change now, not on the next question
        return outcomes

    def remove(self, targets: str | Iterable[str]) -> list[Outcome]:
        """Remove articles by id, file name or path (a folder removes everything under it)."""
        from rag.ingest.removal import remove

        pipe = self.pipeline
        outcomes = remove([targets] if isinstance(targets, str) else list(targets), pipe.store)
        pipe.local_index()
        return outcomes

    def articles(self) -> list[dict[str, Any]]:
        """Metadata of every stored article (no text), by date then title, as `newsdesk articles --json`."""
        return self.pipeline.store.list_articles()

    # --- questions ------------------------------------------------------------------------------
    def ask(self, question: str, *, k: int | None = None, publishers: list[str] | None = None,
            after: str = "", before: str = "", history: list[tuple[str, str]] | None = None) -> Answer:
        """A cited answer. The filters are those of `ask --publisher/--after/--before`; a date that
        cannot be read is a ValueError naming the forms that are. `history`: earlier (question, answer)
        turns, so a follow-up ("and what did he say next?") is read in their context."""
        from rag.answering.answer import answer, check_question

        return answer(check_question(question), self.pipeline, k=k,
                      filters=self._filters(publishers, after, before), history=history)

    def ask_stream(self, question: str, *, k: int | None = None, publishers: list[str] | None = None,
                   after: str = "", before: str = "",
                   history: list[tuple[str, str]] | None = None) -> Iterator[str | Answer]:
        """The LLM's draft tokens as they come (unchecked), then the final Answer, last."""
        from rag.answering.answer import answer_stream, check_question

        return answer_stream(check_question(question), self.pipeline, k=k,
                             filters=self._filters(publishers, after, before), history=history)

    def search(self, question: str, *, k: int | None = None, publishers: list[str] | None = None,
               after: str = "", before: str = "") -> list[Document]:
        """The passages an answer would be drawn from, best first, as LangChain Documents (metadata:
        article id, publisher, date, offsets into the article, score, rank, also_in)."""
        return self.as_retriever(k=k, publishers=publishers, after=after, before=before).invoke(question)

    def as_retriever(self, *, k: int | None = None, publishers: list[str] | None = None,
                     after: str = "", before: str = "") -> NewsRetriever:
        """newsdesk's whole retrieval path as a LangChain retriever, for a chain of your own."""
        return self.pipeline.as_retriever(k=k or self.settings.k, filters=self._filters(publishers, after, before))

    @staticmethod
    def _filters(publishers: list[str] | None, after: str, before: str) -> Filters:
        from rag.retrieval.filters import Filters

        names = [publishers] if isinstance(publishers, str) else list(publishers or [])
        filters = Filters(names, after or "", before or "")
        filters.keys()  # an unreadable date fails here, with the forms that are read, not mid-answer
        return filters


def _paths(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    if isinstance(paths, (str, Path)):
        return [Path(paths)]
    return [Path(p) for p in paths]

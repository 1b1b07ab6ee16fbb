"""The LLM's prefix cache (rag.answering.llm.LlamaCppChat.prefix_cache) with the real GGUF: the fixed head of the
prompt is evaluated once. With the bundled Q4_1 file what the model writes is the same as when every prompt is
read in full. The Q8_0 copy that newsdesk runs (rag.answering.gguf_requant) reads prompts with llama.cpp's
batched kernels, whose float rounding depends on how a prompt is split; its text is the same for the same
history of questions."""

from __future__ import annotations

import pytest
from conftest import make_settings
from langchain_core.messages import HumanMessage, SystemMessage

from rag.answering.drafting import load_prompt
from rag.answering.llm import LlamaCppChat

pytestmark = pytest.mark.llm

FACTS = [
    ("Japanese broadcaster NHK reported that the North's ambassador to the United Nations Ja Song Nam arrived "
     "in Beijing on Tuesday.", "Who is North Korea's ambassador to the United Nations?"),
    ("Russian Foreign Minister Sergei Lavrov told Rex Tillerson that North Korea wants to talk to the United "
     "States.", "Who told Rex Tillerson that North Korea is open to direct talks?"),
]


def messages(fact: str, question: str) -> list:
    system, user = load_prompt()
    return [SystemMessage(system), HumanMessage(user.format(evidence=fact, question=question))]


def ask(llm: LlamaCppChat, fact: str, question: str) -> tuple[str, int]:
    """The model's text (streamed, as the answerer reads it) and the prompt tokens llama.cpp evaluated."""
    text = "".join(str(chunk.content) for chunk in llm.stream(messages(fact, question)))
    return text, int(llm.last_stats["evaluated"])


def full_reads(path: str) -> list[tuple[str, int]]:
    """Each question's text and prompt tokens with every prompt read in full (the context emptied first)."""
    uncached = LlamaCppChat(model_path=path, prefix_cache=False, max_tokens=24)
    return [ask(uncached, *f) for f in FACTS]


def test_cached_prefix_changes_how_much_is_read_never_what_is_written(tmp_path):
    path = make_settings(tmp_path).gguf_path()
    reference = full_reads(path)
    cached = LlamaCppChat(model_path=path, max_tokens=24)
    for i in (0, 1, 0):  # different questions in a row: each shares only the fixed head with the last one
        text, read = ask(cached, *FACTS[i])
        assert text == reference[i][0] and text.strip()
        # The head (system text, template opening: ~25 tokens) is not read again.
        assert read < reference[i][1] - 20


def test_switching_models_keeps_each_models_prefix(tmp_path):
    path = make_settings(tmp_path).gguf_path()
    reference = full_reads(path)
    # Another context size is another llama.cpp model instance (rag.answering.llm._llama), as a UI model switch is.
    first = LlamaCppChat(model_path=path, max_tokens=24)
    second = LlamaCppChat(model_path=path, n_ctx=1024, max_tokens=24)
    ask(first, *FACTS[1])
    ask(second, *FACTS[1])
    for i in (0, 1):
        for llm in (first, second):  # alternating models: neither loses its cached head to the other
            text, read = ask(llm, *FACTS[i])
            assert text == reference[i][0]
            assert read < reference[i][1] - 20


def test_the_q8_0_copy_reads_less_with_the_prefix_and_writes_alike_for_the_same_history(tmp_path):
    path = make_settings(tmp_path).llm_path()
    assert path.endswith(".Q8_0.gguf")

    def history() -> list[tuple[str, int]]:
        llm = LlamaCppChat(model_path=path, prefix_cache=False, max_tokens=24)
        first = ask(llm, *FACTS[0])  # from an empty context
        llm.prefix_cache = True
        return [first] + [ask(llm, *FACTS[i]) for i in (1, 0)]

    once, again = history(), history()
    assert [t for t, _ in once] == [t for t, _ in again] and all(t.strip() for t, _ in once)
    assert once[2][1] < once[0][1] - 20  # the same question again, its head not read again

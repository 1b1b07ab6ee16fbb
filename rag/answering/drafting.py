"""The LLM's part of an answer: the prompt, the LCEL chain (prompt | llm | parser) built once per LLM,
the draft streamed token by token, and the support check of what it wrote (rag.answering.support)."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from rag.answering.evidence import Evidence
from rag.answering.support import Verdict, check
from rag.pipeline import Pipeline
from rag.retrieval.constraints import find_publishers, outlet

NO_ANSWER = re.compile(r"not in (the )?evidence|not (mentioned|stated|provided|specified)|does not (say|mention)"
                       r"|cannot be determined|no information|i don'?t know|unknown", re.IGNORECASE)
# Chains of the LLMs in use (the UI offers a few models, each its own pipeline and LLM). Keyed by id:
# LangChain chat models are pydantic models, unhashable. The chain holds its LLM, so an id cannot be
# reused by another object while its entry is here; the bound keeps models no longer used from piling up.
MAX_CHAINS = 8
_chains: OrderedDict[int, Any] = OrderedDict()
_chains_lock = threading.Lock()  # the UI answers several readers at once


@lru_cache(maxsize=1)
def load_prompt() -> tuple[str, str]:
    text = resources.files("rag.answering").joinpath("prompts/answer.md").read_text(encoding="utf-8")
    system, user = text.split("\n---\n", 1)
    return system.strip(), user.strip()


def chain_for(llm: Any) -> Any:
    """The answer chain over `llm`, built on its first question and reused for every later one."""
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate

    with _chains_lock:
        chain = _chains.get(id(llm))
        if chain is not None and chain.steps[1] is llm:
            _chains.move_to_end(id(llm))
            return chain
        system, user = load_prompt()
        chain = ChatPromptTemplate.from_messages([("system", system), ("human", user)]) | llm | StrOutputParser()
        _chains[id(llm)] = chain
        while len(_chains) > MAX_CHAINS:
            _chains.popitem(last=False)
        return chain


def render_evidence(evidence: list[Evidence]) -> str:
    """The evidence as the LLM reads it, each sentence numbered with its outlet and date. (A lone
    sentence without its label costs fewer prompt tokens, but was tried and dropped: on questions we did
    not write, seeds_external.jsonl, the tiny model then paraphrased more and worse.)"""
    lines = []
    for i, e in enumerate(evidence, 1):
        where = ", ".join(x for x in (e.passage.publisher, e.passage.published) if x)
        text = " ".join(e.text.split())
        lines.append(f"[{i}] ({where}) {text}" if where else f"[{i}] {text}")
    return "\n".join(lines)


def draft_tokens(question: str, evidence: list[Evidence], llm: Any) -> Iterator[str]:
    """The LLM's draft as it writes it. Closed early (the reader stopped), the model's stream is closed
    too, so llama.cpp's lock (rag.answering.llm) is released at once, not when the garbage is collected."""
    inputs = {"evidence": render_evidence(evidence), "question": question.strip()}
    with closing(chain_for(llm).stream(inputs)) as tokens:
        yield from tokens


def clean_draft(draft: str) -> tuple[str, list[int]]:
    """The LLM's answer without chatter ("The answer is:", labels, quotes) and the numbers it cited."""
    text = draft.strip()
    found = list(re.finditer(r"(the )?(short )?answer( to (the|this|your) question)?( is)?\s*:", text, re.IGNORECASE))
    if found:
        text = text[found[-1].end():]
    text = next((line.strip() for line in text.splitlines() if line.strip()), "")
    cited = [int(n) for n in re.findall(r"\[(\d+)\]", text)]
    text = re.sub(r"\s*\[\d+\]", "", text).strip().strip("\"“”'").strip()
    return text, cited


@dataclass
class Checked:
    """What the support check made of a draft."""

    text: str = ""  # the draft without chatter and [n] markers
    evidence: Evidence | None = None  # the evidence it passed against; None: refused
    verdict: Verdict | None = None  # the passing verdict, or the first refusal; None: nothing was checked
    reason: str = ""  # why it was refused ('' when it passed, or when there was no draft)


def verify(draft: str, shown: list[Evidence], question: str, pipe: Pipeline) -> Checked:
    """The LLM's answer and the evidence it rests on if it passes the support check, and else why not
    (the support check's reason for the evidence it came closest to)."""
    text, cited = clean_draft(draft)
    if not text or NO_ANSWER.search(text):
        return Checked(text, reason="the model gave no answer" if draft.strip() else "")
    candidates = [shown[n - 1] for n in cited if 0 < n <= len(shown)] or shown
    vectors = pipe.embedder.encode([text] + [e.text for e in candidates])
    why, refused = "", None
    named = find_publishers(text, pipe.publishers())
    outlets = {outlet(n) for n in named}
    for e, sim in sorted(zip(candidates, vectors[1:] @ vectors[0], strict=True), key=lambda x: -x[1]):
        if outlets - {outlet(e.passage.publisher)} - {outlet(n) for n in find_publishers(e.text, named)}:
            why = why or "names an outlet the cited passage is not from"
            continue  # "The Telegraph and UPI both reported ..." needs a citation to each of them
        verdict = check(text, e.text, question, float(sim))
        if verdict.ok:
            return Checked(text, e, verdict)
        if not why:
            why, refused = f"model's answer refused: {verdict.reason}", verdict
    return Checked(text, None, refused, why)

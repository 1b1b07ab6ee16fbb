"""Follow-up questions made standalone before retrieval, from the previous turn.

"When did he say it?" after "Who told Rex Tillerson ...?" (answer: Sergei Lavrov) becomes
"When did Sergei Lavrov say it? (context: told Rex Tillerson that North Korea is open to direct talks)".
Deterministic on purpose: the default 135M model cannot be trusted to rewrite a question without
changing it, and a rewrite is shown to the reader, so it must be predictable.
"""

from __future__ import annotations

import re

from rag.names import NAME_SPAN, NOT_NAMES
from rag.text import terms

PERSON_PRONOUNS = re.compile(r"\b(he|she|him|his|her|hers|they|them|their)\b", re.IGNORECASE)
VAGUE = re.compile(r"\b(it|that|this|these|those|there|then|the same|the (article|report|story|claim|offer))\b",
                   re.IGNORECASE)
POSSESSIVE = re.compile(r"['’]s?$")
WH = re.compile(r"^(who|whom|whose|what|which|when|where|why|how( many| much)?|did|does|do|is|are|was|were)\b\s*",
                re.IGNORECASE)


def _leading(pattern: re.Pattern[str], question: str) -> re.Match[str] | None:
    """A match of `pattern` that comes before any content word of the question. "How many boats
    returned to their moorings?" has its own antecedent; "When did he say it?" does not."""
    m = pattern.search(question)
    return m if m and not terms(question[: m.start()]) else None


def needs_context(question: str) -> bool:
    """A question that leans on the previous turn: a pronoun before any word of its own, or almost
    no words of its own."""
    return bool(_leading(PERSON_PRONOUNS, question) or _leading(VAGUE, question)) or len(terms(question)) <= 1


def main_name(answer: str, previous_question: str) -> str:
    """The first person-like name in the previous answer that its question did not already contain."""
    asked = set(terms(previous_question))
    for m in NAME_SPAN.finditer(answer):
        words = [w for w in m.group().split() if w.lower().strip(".,") not in NOT_NAMES]
        # Punctuation and a possessive go; a name's own final "s" stays ("Antonio Guterres").
        name = POSSESSIVE.sub("", " ".join(words).rstrip(".,;:"))
        if len(words) >= 2 and not set(terms(name)) <= asked and "According" not in name:
            return name
    return ""


def rewrite(question: str, history: list[tuple[str, str]]) -> str:
    """Standalone form of `question` given earlier (question, answer) turns; unchanged if it stands alone."""
    question = question.strip()
    if not history or not needs_context(question):
        return question
    prev_q, prev_a = history[-1]
    name = main_name(prev_a, prev_q)
    rewritten = question
    first = _leading(PERSON_PRONOUNS, question)
    if name and first:
        possessive = first.group(1).lower() in {"his", "her", "their"}
        rewritten = question[: first.start()] + (f"{name}'s" if possessive else name) + question[first.end():]
    topic = WH.sub("", prev_q.strip()).rstrip("?.! ")
    if (topic and _leading(VAGUE, question)) or not first or not name:
        rewritten = f"{rewritten.rstrip()} (context: {topic})"
    return rewritten

"""What the page shows: HTML for the chat and the passage inspector, rows for the Corpus tab's tables.
Pure functions: every piece of article text goes through `escape`, which makes it inert both as HTML
and as Markdown (the chat renders Markdown), or `escape_html` where only HTML is rendered."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from rag.answering.result import Answer, Citation
from rag.language import display_date
from rag.types import Outcome

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def escape(text: str) -> str:
    """Untrusted text -> inert: HTML-escaped, then Markdown punctuation backslash-escaped, so neither
    `<script>` nor `[x](javascript:...)` can become markup."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def escape_html(text: str) -> str:
    """For places rendered as HTML only (the inspector), where backslashes would show."""
    return html.escape(text, quote=True)


def cite_link(turn: int, n: int) -> str:
    return f'<a href="#cite-{turn}-{n}" class="nd-cite" title="show passage {n}">[{n}]</a>'


def answer_markdown(result: Answer, turn: int) -> str:
    """The answer as a chat message: escaped text, [n] markers as links that open the passage."""
    text = escape(result.answer)
    text = re.sub(r"\\\[(\d+)\\\]", lambda m: cite_link(turn, int(m.group(1))), text)
    parts = []
    if result.rewritten and result.rewritten != result.question:
        parts.append(f"<small>Searched as: <em>{escape(result.rewritten)}</em></small>\n\n")
    if result.abstained:
        parts.append(f'<span class="nd-abstain">⊘ No answer in the articles.</span> {text}')
    else:
        parts.append(text)
        sources = [
            f"{cite_link(turn, c.n)} {escape(c.publisher or c.title)}"
            + (f", {escape(display_date(c.published))}" if c.published else "")
            for c in result.citations
        ]
        if sources:
            parts.append("\n\n<small>Sources: " + " · ".join(sources) + "</small>")
        if result.mode == "quote":
            why = ("the language model could not be reached" if result.reason.startswith("LLM failed")
                   else "the model's own wording did not pass the check")
            parts.append(f"\n\n<small>(quoted from the article: {why})</small>")
    return "".join(parts)


def draft_markdown(draft: str) -> str:
    return f"<small>checking…</small> <span class='nd-draft'>{escape(draft)}</span>"


def inspector_html(article: Any, citation: Citation | None) -> str:
    """The article with the cited span highlighted (id nd-hit, scrolled into view by the page)."""
    if article is None:
        return "<div class='nd-inspector nd-empty'>Click a citation [n] to see the passage it came from.</div>"
    meta = [
        ("Publisher", article.publisher), ("Author", article.author),
        ("Published", display_date(article.published) or "date unknown"),
        ("Fetched", str((getattr(article, "extra", None) or {}).get("fetched_at", ""))),  # pages from the web
        ("File", article.file), ("URL", article.url),
    ]
    rows = "".join(f"<tr><th>{k}</th><td>{escape_html(v)}</td></tr>" for k, v in meta if v)
    text = article.text
    if citation:
        start, end = citation.start, citation.end
        body = (escape_html(text[:start]) + f"<mark id='nd-hit'>{escape_html(text[start:end])}</mark>"
                + escape_html(text[end:]))
        head = f"<div class='nd-cited'>Passage [{citation.n}], characters {start}–{end}</div>"
    else:
        body, head = escape_html(text), ""
    return (f"<div class='nd-inspector'><h3>{escape_html(article.title)}</h3><table class='nd-meta'>{rows}</table>"
            f"{head}<div class='nd-article'>{body}</div></div>")


def citations_html(result: Answer | None, turn: int) -> str:
    """All passages cited by an answer, each a link to open it."""
    if not result or not result.citations:
        return ""
    items = "".join(
        f"<li>{cite_link(turn, c.n)} <b>{escape_html(c.publisher or '?')}</b> · {escape_html(c.title)}"
        f"<br><q>{escape_html(' '.join(c.quote.split()))}</q></li>"
        for c in result.citations
    )
    return f"<ol class='nd-citations'>{items}</ol>"

ARTICLE_COLUMNS = ["published", "publisher", "title", "author", "file", "chunks", "article_id"]
REPORT_COLUMNS = ["file", "status", "chunks", "detail"]


def article_rows(articles: list[dict[str, Any]]) -> list[list[Any]]:
    """Store.list_articles() as the article table's rows (Gradio's Dataframe escapes its cells)."""
    return [[r.get("published", ""), r.get("publisher", ""), r.get("title", ""), r.get("author", ""),
             r.get("file", ""), r.get("n_chunks", 0), r["article_id"]] for r in articles]


def article_choices(articles: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(label, article id) for the article picker."""
    return [(f"{r.get('title') or r['article_id']} ({r.get('file') or r['article_id']})", r["article_id"])
            for r in articles]


def corpus_summary(counts: dict[str, int]) -> str:
    return f"**{counts['articles']}** articles · **{counts['chunks']}** chunks"


def report_rows(outcomes: list[Outcome]) -> list[list[Any]]:
    """Ingest outcomes as the report table's rows."""
    return [[Path(o.source).name, o.status, o.chunks, "; ".join([o.reason or o.title, *o.warnings])]
            for o in outcomes]


CSS = """
.nd-cite, #nd-chat a[href^="#cite-"] { font-weight: 600; text-decoration: none; cursor: pointer; padding: 0 1px;
  color: #1d4ed8; }
.nd-abstain { color: #9a3412; font-weight: 600; }
.nd-draft { color: #6b7280; font-style: italic; }
.nd-inspector h3 { margin: 0 0 6px 0; }
.nd-meta th { text-align: left; padding-right: 10px; color: #6b7280; font-weight: 500; }
.nd-article { white-space: pre-wrap; max-height: 460px; overflow-y: auto; border: 1px solid #e5e7eb;
              border-radius: 6px; padding: 10px; line-height: 1.5; }
.nd-article mark { background: #fde68a; padding: 1px 0; }
.nd-cited { margin: 6px 0; font-size: 0.9em; color: #374151; }
.nd-citations { padding-left: 1.2em; } .nd-citations li { margin-bottom: 6px; }
"""

# Clicking a [n] link anywhere on the page asks the server for that passage: the link's target goes
# into a hidden textbox and a hidden button is clicked. Delegated, so it also works for new messages.
JS = """
() => {
  document.addEventListener('click', (ev) => {
    const link = ev.target.closest('a[href^="#cite-"]');
    if (!link) return;
    ev.preventDefault();
    ev.stopPropagation();
    const box = document.querySelector('#nd-cite-target textarea, #nd-cite-target input');
    const go = document.querySelector('#nd-cite-go');
    if (!box || !go) return;
    box.value = link.getAttribute('href').slice('#cite-'.length);
    box.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(() => go.click(), 50);
  }, true);
}
"""

SCROLL_TO_HIT = "() => { setTimeout(() => document.getElementById('nd-hit')?.scrollIntoView({block: 'center'}), 150); }"

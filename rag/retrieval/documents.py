"""Passages as LangChain Documents and back: the text is the page content, everything else metadata.

The round trip is exact, so a newsdesk caller can take a Document from NewsRetriever and still cite
its offsets (start, end point into the stored article's text)."""

from __future__ import annotations

from dataclasses import fields

from langchain_core.documents import Document

from rag.types import Passage

# Every Passage field but the text, in the order a reader scans them.
META_FIELDS = tuple(f.name for f in fields(Passage) if f.name != "text")


def to_document(p: Passage) -> Document:
    meta = {name: getattr(p, name) for name in META_FIELDS}
    meta["also_in"] = [dict(a) for a in p.also_in]
    return Document(page_content=p.text, metadata=meta, id=p.chunk_id)


def to_passage(doc: Document) -> Passage:
    meta = doc.metadata
    values = {name: meta[name] for name in META_FIELDS if name in meta}
    values["also_in"] = [dict(a) for a in meta.get("also_in", [])]
    return Passage(text=doc.page_content, **values)

"""The UI's handlers called directly, as the page's events call them, on real pipelines and no server."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr
import pytest
from conftest import ROOT, make_settings

from rag.pipeline import Pipeline
from rag.storage.store import open_store
from ui.handlers import Desk

pytestmark = pytest.mark.llm
HOSTILE = ROOT / "tests" / "data" / "hostile.txt"
AMBASSADOR = "Who is North Korea's ambassador to the United Nations?"


def desk_over(seeded, tmp_path, **overrides) -> Desk:
    """A desk over an empty store of its own (the seeded fixture's embedder is reused)."""
    settings = make_settings(tmp_path / "store", **overrides)
    return Desk(Pipeline(settings, seeded.embedder, open_store(settings)))


def ask(desk: Desk, question: str, turns=None, **kw) -> list[tuple]:
    args = {"k": 5, "publishers": [], "after": "", "before": "", "provider": "", "model": ""} | kw
    return list(desk.respond(question, [], turns or [], args["k"], args["publishers"], args["after"],
                             args["before"], args["provider"], args["model"]))


def text_of(out: tuple) -> str:
    return out[0][-1]["content"]


def test_question_streams_then_ends_with_the_checked_answer(seeded):
    outputs = ask(Desk(seeded), AMBASSADOR)
    assert "searching the articles" in text_of(outputs[0])
    assert outputs[0][0][0] == {"role": "user", "content": r"Who is North Korea's ambassador to the United Nations?"}
    drafts = [text_of(o) for o in outputs[1:-1]]
    assert len(drafts) > 2 and all("checking…" in d for d in drafts)  # one message per token
    written = [d.split("<span class='nd-draft'>")[1].removesuffix("</span>") for d in drafts]
    assert all(b.startswith(a) for a, b in zip(written, written[1:], strict=False))
    assert len(written[-1]) > len(written[0])
    chat, turns, cited, box = outputs[-1]
    assert "Ja Song Nam" in chat[-1]["content"] and 'href="#cite-0-1"' in chat[-1]["content"]
    assert len(turns) == 1 and turns[0].question == AMBASSADOR and not turns[0].abstained
    assert "Ja Song Nam" in cited and "UPI" in cited and box == ""
    assert all(o[1] == [] for o in outputs[:-1])  # the answer joins the turns only once checked


def test_citation_opens_the_article_at_the_cited_span(seeded):
    desk = Desk(seeded)
    turns = ask(desk, AMBASSADOR)[-1][1]
    page = desk.show_citation("0-1", turns)
    hit = page.split("<mark id='nd-hit'>")[1].split("</mark>")[0]
    citation = turns[0].citations[0]
    article = seeded.store.get_article(citation.article_id)
    assert "Ja Song Nam" in hit and hit == article.text[citation.start:citation.end].replace("'", "&#x27;")
    assert "UPI" in page and "Jennie Oh" in page
    for target in ["0-9", "1-1", "x", ""]:  # no such citation: the empty inspector, no error
        assert "nd-empty" in desk.show_citation(target, turns)


def test_hostile_upload_is_stored_and_shown_inert(seeded, tmp_path):
    desk = desk_over(seeded, tmp_path)
    *steps, last = list(desk.upload([str(HOSTILE)]))
    report, summary, rows, picker, publishers = last
    assert report[0][:2] == ["hostile.txt", "added"] and "**1** articles" in summary
    assert picker["choices"][0][1] == rows[0][-1]
    stored = desk.pipe.store.get_article(rows[0][-1])
    assert "<script>window.__pwned = 1</script>" in stored.text  # kept as written, shown escaped
    page = desk.show_article(stored.article_id)
    assert "<script" not in page and "<img" not in page and "<iframe" not in page and "<b>" not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert (desk.settings.data_dir / "uploads" / "hostile.txt").read_bytes() == HOSTILE.read_bytes()

    outputs = ask(desk, "How many visitors did the Skelvik harbour festival draw?")
    assert all("<script" not in text_of(o) and "<img" not in text_of(o) for o in outputs)
    chat, turns, cited, _ = outputs[-1]
    assert "8,000" in chat[-1]["content"] and "<script" not in cited
    inspector = desk.show_citation("0-1", turns)
    assert "8,000 visitors" in inspector.split("<mark id='nd-hit'>")[1].split("</mark>")[0]
    assert "<script" not in inspector and "&lt;iframe" in inspector
    again = list(desk.upload([str(HOSTILE)]))[-1][0]
    assert again[0][1] == "unchanged"


def test_remove_article_only_where_the_operator_allows(seeded, tmp_path):
    from conftest import SEEDS

    desk = desk_over(seeded, tmp_path, ui_allow_remove=True)
    list(desk.upload([str(p) for p in sorted(SEEDS.iterdir())]))
    rows = desk.corpus_outputs()[1]
    assert len(rows) == 2
    title = rows[0][2]
    report, summary, after, *_ = desk.remove_article(rows[0][-1])
    assert report[0][1] == "removed" and "**1** articles" in summary and len(after) == 1
    assert desk.pipe.store.get_article(rows[0][-1]) is None
    # gone from the local index too
    assert rows[0][-1] not in {p.article_id for p in desk.pipe.retriever().search(title, k=5)}
    for target, why in [(rows[0][-1], "No stored article"), ("", "Choose an article")]:
        with pytest.raises(gr.Error, match=why):
            desk.remove_article(target)
    reader = Desk(Pipeline(desk.settings.model_copy(update={"ui_allow_remove": False}), desk.pipe.embedder,
                           desk.pipe.store))
    with pytest.raises(gr.Error, match="turned off"):
        reader.remove_article(after[0][-1])
    assert desk.pipe.store.get_article(after[0][-1]) is not None


def test_stop_ends_the_upload_before_the_next_file(seeded, tmp_path):
    desk = desk_over(seeded, tmp_path)
    files = []
    for n in range(2):
        files.append(tmp_path / f"small{n}.txt")
        files[-1].write_text(f"Small News\n\nStory number {n} says the bridge on road {n} was repaired.\n")
    reader, other = SimpleNamespace(session_hash="reader"), SimpleNamespace(session_hash="other")
    steps = desk.upload([str(f) for f in files], reader)
    first = next(steps)
    assert first[0][0][:2] == ["small0.txt", "added"] and first[1] == gr.update()  # corpus not yet refreshed
    desk.stop_upload(other)  # another reader's stop button stops only their own upload
    assert not desk._stops["reader"].is_set()
    desk.stop_upload(reader)
    report, summary, *_ = list(steps)[-1]
    assert [r[1] for r in report] == ["added", "skipped"] and "stopped" in report[1][3]
    assert "**1** articles" in summary and desk._stops == {}
    with pytest.raises(gr.Error, match="Choose one or more files"):
        next(desk.upload([]))


def test_model_switch_reuses_the_one_local_index(seeded):
    settings = seeded.settings.model_copy(update={"ui_models": "ollama:a,ollama:b", "ui_pipelines": 2})
    desk = Desk(Pipeline(settings, seeded.embedder, seeded.store))
    providers, models = desk.model_outputs()
    assert providers["choices"] == ["llamacpp", "ollama"] and providers["value"] == "llamacpp"
    assert [label for label, _ in models["choices"]][1:] == ["a", "b"]
    assert models["choices"][0][0].endswith(".gguf") and "/" not in models["choices"][0][0]
    a, b = desk.pipeline_for("ollama", "a"), desk.pipeline_for("ollama", "b")
    assert a is not b and a.settings.llm_model == "a" and b.settings.llm_model == "b"
    assert a.local_index() is b.local_index() is desk.pipe.local_index()
    assert a.store is b.store is desk.pipe.store and a.embedder is desk.pipe.embedder
    assert desk.pipeline_for("ollama", "a") is a  # kept, not made again
    with pytest.raises(gr.Error, match="not offered"):
        desk.pipeline_for("openai", "gpt-4o")
    with pytest.raises(gr.Error, match="not offered"):
        next(desk.respond(AMBASSADOR, [], [], 5, [], "", "", "ollama", "mistral"))


def test_bad_questions_and_publishers_are_told(seeded):
    desk = Desk(seeded)
    with pytest.raises(gr.Error, match="Cannot ask that"):
        next(desk.respond("   ", [], [], 5, [], "", "", "", ""))
    steps = desk.respond("Who?", [], [], 5, ["Nobody Press"], "", "", "", "")
    assert "searching" in next(steps)[0][-1]["content"]
    with pytest.raises(gr.Error, match="No stored article is from Nobody Press"):
        next(steps)


def test_feed_handlers_follow_and_unfollow(seeded, tmp_path):
    from feedsite import Site

    from ui.feeds_tab import Feeds

    site = Site(n_bbc=0, broken=False)
    site.start()
    try:
        feeds = Feeds(desk_over(seeded, tmp_path, ui_allow_feeds=True, allow_private_urls=True, fetch_delay_s=0))
        assert "No feeds followed" in feeds.listing()
        report, summary, rows, _, _, listing = feeds.follow_feed(f" {site.url}/rss.xml ")
        assert report[0][:2] == ["rss.xml", "followed"] and {r[1] for r in report[1:]} == {"added"}
        assert f"**{len(report) - 1}** articles" in summary and "Example News: Top stories" in listing
        assert any("North Korean diplomat" in r[2] for r in rows)
        report, *_, listing = feeds.unfollow_feed(f"{site.url}/rss.xml")
        assert report[0][1:4:2] == ["unfollowed", "its articles stay"] and "No feeds followed" in listing
        with pytest.raises(gr.Error, match="Give an http"):
            feeds.follow_feed("file:///etc/passwd")
        closed = Feeds(desk_over(seeded, tmp_path / "closed"))
        with pytest.raises(gr.Error, match="NEWSDESK_UI_ALLOW_FEEDS"):
            closed.follow_feed(f"{site.url}/rss.xml")
        assert site.requests["/rss.xml"] == 1
    finally:
        site.stop()

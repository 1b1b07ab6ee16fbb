"""What a reader of the web page can and cannot do (issue 14): real Gradio servers on 127.0.0.1,
talked to with gradio_client and plain HTTP."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request

import pytest
from conftest import SEEDS, UPI, free_port, make_settings

pytestmark = [pytest.mark.llm, pytest.mark.server]


def serve(seeded, tmp_path_factory, **overrides):
    """A server over a store of its own holding the seeds (the seeded fixture's embedder is reused)."""
    from rag.ingest.articles import ingest
    from rag.pipeline import Pipeline
    from rag.storage.store import open_store
    from ui.app import launch

    settings = make_settings(tmp_path_factory.mktemp("reader"), **overrides)
    pipe = Pipeline(settings, seeded.embedder, open_store(settings))
    ingest([SEEDS], settings, pipe.store, pipe.embedder)
    port = free_port()
    app = launch(settings, pipe, host="127.0.0.1", port=port, block=False)
    return app, f"http://127.0.0.1:{port}/", pipe


@pytest.fixture(scope="module")
def reader(seeded, tmp_path_factory):
    """Default reader rights, and one extra model offered by the operator."""
    app, url, pipe = serve(seeded, tmp_path_factory, ui_models="ollama:llama3.2")
    yield url, pipe
    app.close()


@pytest.fixture
def lookups(monkeypatch):
    """Every host name the process resolves while the test runs (the servers run in this process)."""
    seen: list[str] = []
    real = socket.getaddrinfo

    def recording(host, *args, **kwargs):
        seen.append(host.decode() if isinstance(host, bytes) else str(host))
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording)
    return seen


def client(url, **kw):
    from gradio_client import Client

    return Client(url, verbose=False, **kw)


def ask(c, provider, model, question="Who is North Korea's ambassador to the United Nations?"):
    return c.predict(question, [], 5, [], "", "", provider, model, api_name="/ask")


def test_reader_may_pick_only_offered_models(reader, lookups):
    url, pipe = reader
    c = client(url)
    gguf = pipe.settings.gguf_path()
    folder, name = gguf.rsplit("/", 1)
    chat, *_ = ask(c, "llamacpp", f"{folder}/./{name}")  # another spelling of the offered GGUF
    assert "Ja Song Nam" in chat[-1]["content"][0]["text"]
    for provider, model in [("llamacpp", "/tmp/other.gguf"), ("openai", ""), ("ollama", "mistral")]:
        with pytest.raises(Exception, match="is not offered here"):
            ask(c, provider, model)
    assert "api.openai.com" not in lookups
    # The publisher choices come on page load, so the API checks them: each one costs a sub-query.
    with pytest.raises(Exception, match="No stored article is from Nobody Press"):
        c.predict("Who?", [], 5, ["Nobody Press"] * 500, "", "", "", "", api_name="/ask")


def test_pipelines_are_few_and_share_one_index(seeded):
    from rag.pipeline import Pipeline
    from ui.models import ModelPipelines

    settings = seeded.settings.model_copy(update={
        "ui_models": "ollama:a,ollama:b,openai:c", "ui_pipelines": 2, "openai_base_url": "http://127.0.0.1:9"})
    session = ModelPipelines(Pipeline(settings, seeded.embedder, seeded.store))
    picked = [session.pipeline(p, m) for p, m in [("ollama", "a"), ("ollama", "b"), ("openai", "c"),
                                                  ("ollama", "a")]]
    assert len(session.loaded()) == 2 and session.loaded()[-1] == ("ollama", "a")
    assert picked[0] is not picked[3]  # evicted, then made again
    assert all(p.local_index() is session.base.local_index() and p.store is seeded.store for p in picked)
    with pytest.raises(ValueError, match="not offered"):
        session.pipeline("llamacpp", "/elsewhere/model.gguf")


def test_upload_refuses_url_file_data(ui_server, lookups):
    c = client(ui_server)
    url = "http://files.newsdesk.invalid/article.txt"
    with pytest.raises(Exception, match="Only files uploaded to this server"):
        c.predict([{"path": url, "orig_name": "article.txt", "meta": {"_type": "gradio.FileData"}}],
                  api_name="/upload")
    assert "files.newsdesk.invalid" not in lookups


def test_reader_cannot_remove_or_replace_articles(reader, tmp_path):
    from gradio_client import handle_file

    url, pipe = reader
    c = client(url)
    upi = next(r["article_id"] for r in pipe.store.list_articles() if r["file"] == UPI)
    with pytest.raises(Exception, match="Removing articles is turned off"):
        c.predict(upi, api_name="/remove")
    assert pipe.store.get_article(upi) is not None

    note = tmp_path / "note.txt"
    note.write_text("Harbour News\n\nThe harbour reopened on Monday after the storm, officials said.\n")
    report, *_ = c.predict([handle_file(str(note))], api_name="/upload")
    assert report["data"][0][1] == "added"
    stored = {r["file"]: r["article_id"] for r in pipe.store.list_articles()}["note.txt"]
    before = pipe.store.get_article(stored).text
    note.write_text("Harbour News\n\nThe harbour was closed for good on Monday, officials said.\n")
    report, *_ = c.predict([handle_file(str(note))], api_name="/upload")
    assert report["data"][0][1] == "rejected" and "replacing" in report["data"][0][3]
    assert pipe.store.get_article(stored).text == before

    # A bulk record whose url is a stored record's id must not rewrite it either.
    record = {"url": "https://example.org/harbour", "title": "Harbour", "text": "The harbour is open again."}
    (tmp_path / "a.jsonl").write_text(json.dumps(record) + "\n")
    c.predict([handle_file(str(tmp_path / "a.jsonl"))], api_name="/upload")
    kept = [r for r in pipe.store.list_articles() if r.get("file") == "a.jsonl"]
    assert len(kept) == 1
    (tmp_path / "b.jsonl").write_text(json.dumps(record | {"text": "The harbour will never open."}) + "\n")
    report, *_ = c.predict([handle_file(str(tmp_path / "b.jsonl"))], api_name="/upload")
    assert report["data"][0][1] in {"rejected", "added"}  # added only if the ids of the two files differ
    assert pipe.store.get_article(kept[0]["article_id"]).text == "The harbour is open again."


def test_upload_budgets(seeded, tmp_path_factory, tmp_path):
    from gradio_client import handle_file

    app, url, pipe = serve(seeded, tmp_path_factory, ui_max_upload_mb=0.005, ui_upload_timeout_s=0.001)
    c = client(url)
    count = pipe.store.counts()["articles"]
    big = tmp_path / "big.txt"
    big.write_text("Big News\n\n" + "The council met again on Tuesday to talk about the budget. " * 120)
    with pytest.raises(Exception):  # noqa: B017 - refused by the upload route (413) before any handler
        c.predict([handle_file(str(big))], api_name="/upload")
    files = []
    for n in range(2):
        files.append(tmp_path / f"small{n}.txt")
        files[-1].write_text(f"Small News\n\nStory number {n} says the bridge on road {n} was repaired.\n")
    report, *_ = c.predict([handle_file(str(f)) for f in files], api_name="/upload")
    assert [row[1] for row in report["data"]] == ["skipped", "skipped"]
    assert all("again" in row[3] for row in report["data"])  # stopped by the budget, in a file or before it
    assert pipe.store.counts()["articles"] == count
    app.close()


@pytest.fixture(scope="module")
def guarded(seeded, tmp_path_factory):
    app, url, _ = serve(seeded, tmp_path_factory, ui_auth="reader:s3cret", ui_login_attempts=3)
    yield url
    app.close()


def post(url, data=b"", headers=None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers or {}), timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def login(url, password):
    return post(url + "login", urllib.parse.urlencode({"username": "reader", "password": password}).encode(),
                {"Content-Type": "application/x-www-form-urlencoded"})[0]


def test_login_page_holds_no_corpus_data(guarded, seeded):
    with urllib.request.urlopen(guarded, timeout=10) as r:
        page = r.read().decode()
    assert "auth_required" in page
    for row in seeded.store.list_articles():
        assert row["article_id"] not in page
        assert row["publisher"] not in page and row["title"] not in page
    for route in ["gradio_api/cancel", "gradio_api/reset"]:
        body = json.dumps({"session_hash": "x", "fn_index": 0, "event_id": "x"}).encode()
        assert post(guarded + route, body, {"Content-Type": "application/json"})[0] == 401
    authed = client(guarded, auth=("reader", "s3cret"))
    assert "/ask" in authed.view_api(print_info=False, return_format="dict")["named_endpoints"]


def test_failed_logins_are_throttled(seeded, tmp_path_factory):
    app, url, _ = serve(seeded, tmp_path_factory, ui_auth="reader:s3cret", ui_login_attempts=3)
    try:
        codes = [login(url, f"guess{n}") for n in range(8)]
        assert codes[:3] == [400, 400, 400] and 429 in codes[3:]
        assert login(url, "s3cret") == 429  # the right password too, while the client waits
    finally:
        app.close()


def test_ui_models_setting_is_checked(tmp_path):
    settings = make_settings(tmp_path)
    gguf = settings.gguf_path()
    same = make_settings(tmp_path, ui_models=f"llamacpp:{gguf.replace('/', '/./', 1)},ollama:llama3.2")
    assert [p for p, _ in same.ui_model_choices()] == ["llamacpp", "ollama"]  # two spellings, one choice
    for entry, reason in [("bogus", "not provider:model"), ("llamacpp:/no/such.gguf", "no GGUF file"),
                          ("openai:gpt-4o-mini", "needs NEWSDESK_OPENAI_BASE_URL")]:
        with pytest.raises(ValueError, match=reason):
            make_settings(tmp_path, ui_models=entry).ui_model_choices()
    offered = make_settings(tmp_path, ui_models="openai:local", openai_base_url="http://127.0.0.1:8000/v1")
    assert ("openai", "local") in offered.ui_model_choices()

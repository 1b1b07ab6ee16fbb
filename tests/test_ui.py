"""The Gradio app through its API (gradio_client against a real server) and its HTML rendering."""

from __future__ import annotations

import pytest
from conftest import ROOT

from rag.answering.result import Answer, Citation
from ui.render import answer_markdown, escape, inspector_html

pytestmark = [pytest.mark.llm, pytest.mark.server]
HOSTILE = ROOT / "tests" / "data" / "hostile.txt"


def client(url):
    from gradio_client import Client

    return Client(url, verbose=False)


def ask(c, question, **kw):
    args = {"k": 5, "publishers": [], "after": "", "before": "", "provider": "llamacpp", "model": ""} | kw
    job = c.submit(question, [], args["k"], args["publishers"], args["after"], args["before"], args["provider"],
                   args["model"], api_name="/ask")
    outputs = list(job)
    chat, cited, _ = job.result()
    return outputs, chat[-1]["content"][0]["text"], cited


def test_ask_streams_and_cites(ui_server):
    c = client(ui_server)
    outputs, message, cited = ask(c, "Who is North Korea's ambassador to the United Nations?")
    assert len(outputs) > 3  # searching, draft tokens..., final answer
    assert any("checking" in o[0][-1]["content"][0]["text"] for o in outputs[:-1])
    assert "Ja Song Nam" in message and 'href="#cite-0-1"' in message
    assert "Ja Song Nam" in cited and "UPI" in cited
    inspector = c.predict("0-1", api_name="/citation")
    assert "<mark id='nd-hit'>" in inspector
    hit = inspector.split("<mark id='nd-hit'>")[1].split("</mark>")[0]
    assert "Ja Song Nam" in hit and "UPI" in inspector and "Jennie Oh" in inspector


def test_abstention_is_marked(ui_server):
    _, message, cited = ask(client(ui_server), "Who won the 2017 World Series?")
    assert "nd-abstain" in message and "The articles do not say" in message and cited == ""


def test_follow_up_is_rewritten_and_shown(ui_server):
    c = client(ui_server)
    ask(c, "Who told Rex Tillerson that North Korea is open to direct talks?")
    job = c.submit("When did he say it?", [], 5, [], "", "", "llamacpp", "", api_name="/ask")
    chat, _, _ = job.result()
    message = chat[-1]["content"][0]["text"]
    assert "Searched as" in message and "Sergei Lavrov" in message
    assert "Thursday" in message


def test_sessions_do_not_share_answers(ui_server):
    a, b = client(ui_server), client(ui_server)
    ask(a, "Who is the US special representative for North Korea policy?")
    assert "nd-hit" in a.predict("0-1", api_name="/citation")
    assert "nd-hit" not in b.predict("0-1", api_name="/citation")  # b has asked nothing


def test_upload_escapes_and_remove(ui_server):
    from gradio_client import handle_file

    c = client(ui_server)
    report, summary, rows, *_ = c.predict([handle_file(str(HOSTILE))], api_name="/upload")
    assert report["data"][0][:2] == ["hostile.txt", "added"]
    count = len(rows["data"])  # other tests share this server and may have uploaded too
    assert f"**{count}** articles" in summary and count >= 3
    article_id = next(r[-1] for r in rows["data"] if r[4] == "hostile.txt")
    page = c.predict(article_id, api_name="/article")
    assert "<script" not in page and "<img" not in page and "<iframe" not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    again, *_ = c.predict([handle_file(str(HOSTILE))], api_name="/upload")
    assert again["data"][0][1] == "unchanged"
    removed, summary, *_ = c.predict(article_id, api_name="/remove")
    assert removed["data"][0][1] == "removed" and f"**{count - 1}** articles" in summary


def test_escape_makes_markup_inert():
    hostile = '<script>x()</script> <img src=x onerror=y()> [a](javascript:z()) **b**'
    out = escape(hostile)
    assert "<" not in out and "](" not in out and "**" not in out
    cited = Citation(n=1, article_id="a", title="t", publisher="<b>X</b>", published="", file="f.txt",
                     chunk_id="a:0", quote=hostile, start=0, end=len(hostile))
    result = Answer(question="q", answer=f"According to X: “{hostile}” [1]", abstained=False, citations=[cited],
                    rewritten="q", mode="quote", shape="fact")
    message = answer_markdown(result, 0)
    assert "<script" not in message and "<img" not in message and "<b>X" not in message
    assert message.count('href="#cite-0-1"') == 2


def test_inspector_highlights_exact_span():
    class A:
        title, publisher, author, published, file, url = "<T>", "P", "", "2017-12-08", "f.txt", ""
        text = "First <sentence>. Second one here."

    html = inspector_html(A, Citation(n=2, article_id="a", title=A.title, publisher="P", published=A.published,
                                      file=A.file, chunk_id="a:0", quote="Second one here.", start=18, end=34))
    assert "<mark id='nd-hit'>Second one here.</mark>" in html
    assert "&lt;sentence&gt;" in html and "&lt;T&gt;" in html


def test_basic_auth_from_settings(seeded):
    import urllib.error
    import urllib.request

    from conftest import free_port, make_settings
    from gradio_client import Client

    from rag.pipeline import Pipeline
    from ui.app import launch

    settings = make_settings(seeded.settings.data_dir, ui_auth="reader:s3cret")
    port = free_port()
    app = launch(settings, Pipeline(settings, seeded.embedder, seeded.store), host="127.0.0.1", port=port,
                 block=False)
    try:
        url = f"http://127.0.0.1:{port}/"
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(url + "config", timeout=10)
        with pytest.raises(Exception):  # noqa: B017 - gradio_client raises its own error type here
            Client(url, verbose=False)
        authed = Client(url, auth=("reader", "s3cret"), verbose=False)
        assert "/ask" in authed.view_api(print_info=False, return_format="dict")["named_endpoints"]
    finally:
        app.close()

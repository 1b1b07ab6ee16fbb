"""The openai provider against a real OpenAI-compatible server (llama-cpp-python's, same GGUF), and
what happens when an LLM server cannot be reached."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import free_port, make_settings

from rag.answering.answer import answer, answer_stream
from rag.pipeline import Pipeline

pytestmark = [pytest.mark.llm, pytest.mark.server]


@pytest.fixture(scope="module")
def openai_server(tmp_path_factory):
    port = free_port()
    model = make_settings(tmp_path_factory.mktemp("x")).gguf_path()
    log = open(tmp_path_factory.mktemp("server") / "server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.answering.llm_server", "--model", model, "--model_alias", "smollm2",
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "/models", timeout=1).read()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("llama-cpp server exited; see " + log.name)
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("llama-cpp server did not start in 60 s")
    yield base
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


def with_settings(seeded, **overrides) -> Pipeline:
    """The seeded store and models, with other LLM settings."""
    settings = make_settings(seeded.settings.data_dir, **overrides)
    return Pipeline(settings, seeded.embedder, seeded.store)


def test_openai_provider_against_real_server(seeded, openai_server):
    pipe = with_settings(seeded, provider="openai", openai_base_url=openai_server, llm_model="smollm2")
    result = answer("Who is North Korea's ambassador to the United Nations?", pipe)
    assert result.draft, "the server produced text"
    assert "LLM failed" not in result.reason
    assert "Ja Song Nam" in result.answer
    assert result.citations[0].publisher == "UPI"
    *streamed, again = answer_stream("Who is the US special representative for North Korea policy?", pipe)
    assert "".join(streamed) == again.draft and "Joseph Yun" in again.answer


@pytest.mark.parametrize("provider", ["ollama", "openai"])
def test_unreachable_llm_server_still_answers_from_the_quote(seeded, provider):
    url = f"http://127.0.0.1:{free_port()}"
    pipe = with_settings(seeded, provider=provider, ollama_base_url=url, openai_base_url=url + "/v1",
                         llm_model="any", llm_timeout_s=5)
    result = answer("Who is North Korea's ambassador to the United Nations?", pipe)
    assert result.mode == "quote" and "LLM failed" in result.reason
    assert "Ja Song Nam" in result.answer and result.citations

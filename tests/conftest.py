"""Shared fixtures. All state lives in temp dirs; the models are the real bundled ones."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

# Tests must not pick up a developer's own NEWSDESK_* settings.
for _key in [k for k in os.environ if k.startswith("NEWSDESK_")]:
    del os.environ[_key]

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
TELEGRAPH = "000_c25ba82d402ee5a4.txt"
UPI = "003_e4d973081443a5a0.txt"
DATASET = ROOT / "evals" / "datasets" / "seeds.jsonl"


def make_settings(data_dir: Path, **overrides):
    from rag.config import Settings

    return Settings(data_dir=data_dir, _env_file=None, **overrides)


def make_pipeline(data_dir: Path, **overrides):
    from rag.pipeline import load_pipeline

    return load_pipeline(make_settings(data_dir, **overrides))


@pytest.fixture(scope="session")
def seeded(tmp_path_factory):
    """A store holding the two seed articles (shared, read-only for tests)."""
    from rag.ingest.articles import ingest

    pipe = make_pipeline(tmp_path_factory.mktemp("seeded"))
    outcomes = ingest([SEEDS], pipe.settings, pipe.store, pipe.embedder)
    assert [o.status for o in outcomes] == ["added", "added"]
    return pipe


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real Chroma server (`chroma run`) on 127.0.0.1, for the store tests' second pass."""
    import shutil
    import subprocess
    import sys
    import time
    import urllib.request

    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = free_port()
    folder = tmp_path_factory.mktemp("chroma-server")
    log = open(folder / "server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([chroma, "run", "--path", str(folder / "data"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/api/v2/heartbeat", timeout=1).read()
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail(f"chroma server did not start; see {log.name}")
            time.sleep(0.3)
    yield url
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture(params=["embedded", "server"])
def fresh(request, tmp_path):
    """An empty store of its own: embedded (PersistentClient) or in a real Chroma server
    (NEWSDESK_CHROMA_URL), so every store test runs against both."""
    if request.param == "embedded":
        return make_pipeline(tmp_path / "store")
    import uuid

    url = request.getfixturevalue("chroma_server")
    return make_pipeline(tmp_path / "store", chroma_url=url, collection=f"t{uuid.uuid4().hex[:12]}")


def dataset_rows() -> list[dict]:
    return [json.loads(line) for line in DATASET.read_text().splitlines() if line.strip()]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def ui_server(tmp_path_factory):
    """The real Gradio app on 127.0.0.1, over its own seeded store; yields its URL."""
    from rag.ingest.articles import ingest
    from ui.app import launch

    pipe = make_pipeline(tmp_path_factory.mktemp("ui-store"), ui_allow_remove=True)
    ingest([SEEDS], pipe.settings, pipe.store, pipe.embedder)
    port = free_port()
    app = launch(pipe.settings, pipe, host="127.0.0.1", port=port, block=False)
    yield f"http://127.0.0.1:{port}/"
    app.close()

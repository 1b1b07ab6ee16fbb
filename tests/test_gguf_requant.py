"""The bundled Q4_1 GGUF is run as a Q8_0 copy (rag.answering.gguf_requant): made once, atomically, in the
cache dir, with llama.cpp's own quantizer; an operator's model is never converted; no copy means the
original, never a failure."""

from __future__ import annotations

from pathlib import Path

from rag.config import Settings, bundled_gguf


def _settings(tmp_path: Path, **kw) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", cache_dir=tmp_path / "cache", **kw)


def test_the_bundled_model_is_run_as_a_q8_0_copy_made_once(tmp_path):
    from llama_cpp import Llama

    from rag.answering.llm import without_extra_buffers

    settings = _settings(tmp_path)
    path = Path(settings.llm_path())
    assert path != Path(bundled_gguf()) and path.is_relative_to(tmp_path / "cache")
    assert path.read_bytes()[:4] == b"GGUF"
    assert not list(path.parent.glob("*.part")), "no temporary file is left beside the copy"
    made = path.stat().st_mtime_ns
    assert Path(settings.llm_path()) == path and path.stat().st_mtime_ns == made, "made once, then reused"
    without_extra_buffers()
    model = Llama(model_path=str(path), n_ctx=256, n_threads=2, verbose=False)
    assert model.metadata.get("general.file_type") == "7"  # LLAMA_FTYPE_MOSTLY_Q8_0
    out = model.create_chat_completion(messages=[{"role": "user", "content": "Say hello."}], max_tokens=8,
                                       temperature=0)
    assert out["choices"][0]["message"]["content"].strip(), "the copy loads and writes"


def test_a_model_the_operator_names_is_run_as_given(tmp_path):
    own = tmp_path / "own.gguf"
    own.write_bytes(Path(bundled_gguf()).read_bytes())  # the same weights, but the operator's file
    assert _settings(tmp_path, llm_model=str(own)).llm_path() == str(own)
    assert not (tmp_path / "cache").exists(), "nothing was converted"
    assert _settings(tmp_path, llm_requantize=False).llm_path() == bundled_gguf()


def test_no_copy_falls_back_to_the_bundled_file(tmp_path, capsys):
    (tmp_path / "cache").write_text("a file where the cache dir should be")  # the copy cannot be written
    assert _settings(tmp_path).llm_path() == bundled_gguf()
    assert "could not make a Q8_0 copy" in capsys.readouterr().err

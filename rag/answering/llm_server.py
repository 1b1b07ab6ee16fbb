"""llama-cpp-python's OpenAI-compatible server with the same load settings as the in-process model
(see `rag.answering.llm.without_extra_buffers`): `python -m rag.answering.llm_server --model X.gguf --port 8000 ...`,
same arguments as `python -m llama_cpp.server`."""

import runpy

from rag.answering.llm import without_extra_buffers

if __name__ == "__main__":
    without_extra_buffers()
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)

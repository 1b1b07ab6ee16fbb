"""newsdesk pipeline: ingest news articles, retrieve passages, answer with checked citations."""

import os

# Offline by design: nothing on a default path may reach a model hub or send telemetry. These are set
# before any library that reads them is imported (all heavy imports happen lazily, after this; ui/ and
# evals/ import this package first). tests/test_network.py runs ingest, ask and serve under strace.
for _key, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}.items():
    os.environ.setdefault(_key, _value)

# Telemetry and tracing are forced off, whatever the shell says: they would send device ids, paths and,
# for LangSmith tracing, the questions and evidence off the machine.
os.environ.update({
    "ORT_DISABLE_TELEMETRY": "1",  # onnxruntime: 1DS events to mobile.events.data.microsoft.com
    "HF_HUB_DISABLE_TELEMETRY": "1",  # huggingface_hub, transformers, sentence-transformers
    "DO_NOT_TRACK": "1",  # the cross-tool convention (huggingface_hub and others read it)
    "ANONYMIZED_TELEMETRY": "False",  # chromadb (also off in rag.storage.store.make_client)
    "GRADIO_ANALYTICS_ENABLED": "False",  # gradio usage analytics and its version check
    "LANGCHAIN_TRACING_V2": "false",  # LangSmith tracing (langchain-core reads all three names)
    "LANGCHAIN_TRACING": "false",
    "LANGSMITH_TRACING": "false",
})


def __getattr__(name: str) -> object:
    # `from rag import Newsdesk` without loading the settings stack on a plain `import rag`.
    if name == "Newsdesk":
        from rag.api import Newsdesk

        return Newsdesk
    raise AttributeError(f"module 'rag' has no attribute {name!r}")


__all__ = ["Newsdesk"]

"""newsdesk pipeline: ingest news articles, retrieve passages, answer with checked citations."""

import os

# Offline by design: nothing on a default path may reach a model hub or send telemetry. These are set
# before any library that reads them is imported (all heavy imports happen lazily, after this).
for _key, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}.items():
    os.environ.setdefault(_key, _value)

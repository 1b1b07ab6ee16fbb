"""The Gradio UI. Importing it imports rag first, which turns every library's telemetry off before gradio loads."""

import rag  # noqa: F401

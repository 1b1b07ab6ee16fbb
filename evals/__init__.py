"""The eval suite. Importing it imports rag first, which sets the offline and no-telemetry switches."""

import rag  # noqa: F401

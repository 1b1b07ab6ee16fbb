"""Ingest: files and pages become cleaned, dated, chunked and embedded articles."""

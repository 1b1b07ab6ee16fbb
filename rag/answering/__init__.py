"""Answering: evidence sentences, answer shapes, the LLM and the support check."""

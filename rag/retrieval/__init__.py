"""Retrieval: question constraints, hybrid search, reranking, follow-up rewriting."""

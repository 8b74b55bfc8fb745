"""Retrieval indexes over matters: field-aware BM25 channels and the optional dense channel."""

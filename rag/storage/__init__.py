"""Storage: Chroma collections, batched writes, the writer lock, crash repair."""

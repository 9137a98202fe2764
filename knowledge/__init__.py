"""Guidance documents, the procedure catalog, text normalisation and retrieval."""

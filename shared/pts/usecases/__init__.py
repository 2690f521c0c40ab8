"""Use cases: ingest, emission, handlers. Each takes what it needs as arguments."""

"""The full-text document of an event's data: the expression of the ix_events_data_fts index
(migration 0004, declared in pts.db.models) and of the search API's `q` filter, which the
index serves only when both are the same expression."""

FTS_DOCUMENT = "jsonb_to_tsvector('simple', data, '[\"string\", \"numeric\"]')"

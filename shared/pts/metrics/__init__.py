"""Prometheus metrics (docs/metrics.md): request and ingest counters recorded as requests
run, and gauges read from the database when /metrics is scraped."""

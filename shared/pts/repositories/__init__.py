"""Data access, one module per table family."""

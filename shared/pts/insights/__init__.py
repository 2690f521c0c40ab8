"""Insights over the log and the projections: the DORA four keys, the environment diff and
deployment annotations. Pure rules here; the search function serves them."""

"""Projections of the log: the deployments, services and images handlers and `pts replay`."""

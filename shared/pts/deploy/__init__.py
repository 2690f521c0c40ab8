"""Deployment manifests, generated from stack.yml and the routing declaration."""

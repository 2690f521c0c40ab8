"""Deployment manifests, generated from the function table: stack.yml (OpenFaaS) and
deploy/knative/."""

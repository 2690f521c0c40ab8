"""Webhooks of the producers teams already run, mapped onto the catalog (docs/integrations.md)."""

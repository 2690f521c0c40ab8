"""PTS, the Platform Telemetry Service: a system of record for platform events."""

__version__ = "0.1.0"

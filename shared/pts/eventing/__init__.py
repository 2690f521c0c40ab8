"""Getting events from the log to the handlers: CloudEvents over HTTP, emission, relay."""

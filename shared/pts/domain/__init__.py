"""The domain: the event catalog, the envelope of a stored event, image references."""

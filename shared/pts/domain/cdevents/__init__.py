"""CDEvents: PTS's models of the events it maps, and their mapping onto the catalog."""

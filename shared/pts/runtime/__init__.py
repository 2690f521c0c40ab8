"""Running PTS on one machine: every function under /function/<name> on one port."""

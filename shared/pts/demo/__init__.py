"""`pts demo`: a realistic, deterministic stream of platform events for a new installation."""

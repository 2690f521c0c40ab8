"""The admin page: static files (static/) and a small API for the page (who am I, tokens)."""

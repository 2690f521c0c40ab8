"""Database access: one connection pool per process, models, migrations, embedded server."""

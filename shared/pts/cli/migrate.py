"""`pts migrate`: bring the database schema to the latest (or a given) revision."""

from __future__ import annotations

from pts.cli.commands import add_database_options, settings_from, warn_if_superuser


def register(sub) -> None:
    p = sub.add_parser("migrate", help="migrate the database schema",
                       description="Migrate the database to the latest schema (or --revision).")
    add_database_options(p)
    p.add_argument("--revision", default="heads",
                   help="target revision (default: heads, the latest)")
    p.add_argument("--down", action="store_true", help="downgrade to --revision instead")
    p.set_defaults(func=run)


def run(args) -> int:
    from pts.db import migrate
    from pts.db.embedded import embedded_urls

    settings = settings_from(args)
    if settings.database_url or settings.migrate_database_url:
        url = settings.migrate_database_url or settings.database_url or ""
        if settings.database_url and not settings.migrate_database_url:
            warn_if_superuser(settings.database_url)
    else:
        url = embedded_urls(settings.data_dir, migrate=False).owner
    if args.down:
        migrate.downgrade(url, args.revision)
    else:
        migrate.upgrade(url, args.revision)
    print(f"database at revision {migrate.current(url) or 'base'}")
    return 0

"""`pts backup FILE` and `pts restore FILE (--data-dir NEW | --database-url URL)`."""

from __future__ import annotations

import sys
from pathlib import Path

from pts.cli.commands import CommandError, add_database_options, settings_from


def register(sub) -> None:
    b = sub.add_parser("backup", help="write a consistent dump of the database (while PTS "
                       "runs)", description="Dump the PTS database with pg_dump (custom "
                       "format). Safe while `pts up` runs: the dump is one snapshot.")
    add_database_options(b)
    b.add_argument("file", type=Path, help="where to write the dump")
    b.set_defaults(func=run_backup)
    r = sub.add_parser("restore", help="restore a dump into a new data dir or an empty "
                       "database", description="Restore a `pts backup` dump into a new "
                       "embedded data directory (--data-dir) or an empty PostgreSQL database "
                       "(--database-url), then migrate it to this version's schema.")
    add_database_options(r)
    r.add_argument("file", type=Path, help="a dump written by pts backup")
    r.set_defaults(func=run_restore)


def run_backup(args) -> int:
    from pts.backup import BackupError, dump

    settings = settings_from(args)
    if args.file.exists():
        raise CommandError(f"{args.file} exists; choose a new file")
    try:
        dump(_owner_url(settings), args.file, embedded=not settings.database_url)
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    print(f"backup written to {args.file} ({args.file.stat().st_size} bytes)", file=sys.stderr)
    return 0


def run_restore(args) -> int:
    from pts.backup import BackupError, restore
    from pts.db.migrate import upgrade

    if not args.database_url and not args.data_dir:
        raise CommandError("say where to restore: --data-dir NEW or --database-url URL")
    if args.data_dir and args.data_dir.exists() and any(args.data_dir.iterdir()):
        raise CommandError(f"{args.data_dir} is not empty; restore into a new directory")
    if not args.file.is_file():
        raise CommandError(f"no backup file at {args.file}")
    if args.database_url:  # the command line's target only, never $DATABASE_URL by surprise
        url, where = args.database_url, "--database-url ..."
    else:
        from pts.db.embedded import embedded_urls

        url = embedded_urls(args.data_dir, migrate=False).owner
        where = f"--data-dir {args.data_dir}"
    try:
        restore(args.file, url, embedded=not args.database_url)
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    # Always: a backup of an older version is brought to this version's schema, and the
    # functions' role gets its grants (a dump carries no owners or privileges).
    upgrade(url)
    print(f"restored {args.file}; start PTS on it with: pts up {where}", file=sys.stderr)
    return 0


def _owner_url(settings) -> str:
    """A dump reads every table, alembic_version included: it runs as the schema's owner."""
    if settings.database_url or settings.migrate_database_url:
        return settings.migrate_database_url or settings.database_url
    from pts.db.embedded import embedded_urls

    return embedded_urls(settings.data_dir).owner

"""`pts token create|list|revoke`: manage the bearer tokens that the functions accept.

Works while `pts up` runs on the same data: the embedded server is shared, not restarted.
"""

from __future__ import annotations

import sys

from pts.cli.commands import (
    CommandError,
    add_database_options,
    add_list_and_revoke,
    management_pool,
    print_records,
    when,
)


def register(sub) -> None:
    p = sub.add_parser("token", help="create, list and revoke access tokens",
                       description="Manage bearer tokens (scopes: ingest, read, admin).")
    tsub = p.add_subparsers(dest="token_command", metavar="ACTION", required=True)

    c = tsub.add_parser("create", help="create a token and print it (once)",
                        description="Create a token. It is printed once on standard output; "
                        "only its hash is stored.")
    add_database_options(c)
    c.add_argument("--name", required=True, help="a name for the token (unique among live ones)")
    c.add_argument("--scope", action="append", required=True, metavar="SCOPE",
                   help="ingest, read, admin or all; repeat or separate with commas")
    c.add_argument("--source-prefix", default=None,
                   help="ingest only events whose source starts with this")
    c.set_defaults(func=create)

    add_list_and_revoke(tsub, list_, revoke, "tokens", "a token",
                        "never the tokens themselves", "the token's name")


def create(args) -> int:
    from pts.auth import store
    from pts.auth.scopes import parse_scopes

    try:
        scopes = parse_scopes(args.scope)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    if not args.name.strip():
        raise CommandError("give the token a name")
    try:
        token, record = store.create(management_pool(args), args.name, scopes,
                                     args.source_prefix or None)
    except store.NameTaken as exc:
        raise CommandError(str(exc)) from None
    print(token)
    print(f"token {record.name!r} created with scopes {', '.join(record.scopes)}"
          + (f", sources starting with {record.source_prefix!r}" if record.source_prefix else "")
          + ". It is shown only now: store it.", file=sys.stderr)
    return 0


def list_(args) -> int:
    from pts.auth import store

    print_records(
        store.list_tokens(management_pool(args), include_revoked=args.all), args.json,
        ("NAME", "SCOPES", "SOURCE PREFIX", "CREATED", "LAST USED", "BY", "REVOKED"),
        lambda r: (r.name, ",".join(r.scopes), r.source_prefix or "-", when(r.created_at),
                   when(r.last_used_at), r.last_used_by or "-", when(r.revoked_at)))
    return 0


def revoke(args) -> int:
    from pts.auth import store

    record = store.revoke(management_pool(args), args.name)
    if record is None:
        raise CommandError(f"no live token named {args.name!r}")
    print(f"token {record.name!r} revoked", file=sys.stderr)
    return 0

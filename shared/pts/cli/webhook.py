"""`pts webhook create|list|revoke`: manage the webhook integrations that the `webhooks`
function accepts deliveries for (docs/integrations.md)."""

from __future__ import annotations

import json
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
    p = sub.add_parser("webhook", help="create, list and revoke webhook integrations",
                       description="Manage webhook integrations (GitHub, GitLab, Argo CD, "
                       "Flux, Harbor, registry): each has its URL and its own secret.")
    wsub = p.add_subparsers(dest="webhook_command", metavar="ACTION", required=True)

    c = wsub.add_parser("create", help="create an integration and print its path and secret",
                        description="Create an integration. Its secret is printed once.")
    add_database_options(c)
    c.add_argument("name", help="the integration's name: its URL is /function/webhooks/NAME")
    c.add_argument("--kind", required=True,
                   choices=("github", "gitlab", "argocd", "flux", "harbor", "registry"))
    c.add_argument("--source-prefix", default=None,
                   help="the source of its events starts with this (default /webhooks/NAME/)")
    c.add_argument("--json", action="store_true",
                   help='print {"name", "kind", "url", "secret"} as one JSON object')
    c.set_defaults(func=create)

    add_list_and_revoke(wsub, list_, revoke, "integrations", "an integration",
                        "never their secrets")


def create(args) -> int:
    from pts.webhooks import store

    errors = store.check(args.name, args.kind, args.source_prefix)
    if errors:
        raise CommandError("; ".join(f"{e['field']}: {e['message']}" for e in errors))
    try:
        secret, integration = store.create(management_pool(args), args.name, args.kind,
                                           args.source_prefix or None)
    except store.NameTaken as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        print(json.dumps({"name": integration.name, "kind": integration.kind,
                          "url": integration.url, "secret": secret}))
        return 0
    print(f"url:    {integration.url}")
    print(f"secret: {secret}")
    print(f"webhook {integration.name!r} ({integration.kind}) created; its events' source "
          f"starts with {integration.source_prefix!r}. The secret is shown only now: put it "
          "in the producer's configuration (docs/integrations.md).", file=sys.stderr)
    return 0


def list_(args) -> int:
    from pts.webhooks import store

    print_records(
        store.list_integrations(management_pool(args), include_revoked=args.all), args.json,
        ("NAME", "KIND", "URL", "SOURCE PREFIX", "CREATED", "LAST USED", "REVOKED"),
        lambda r: (r.name, r.kind, r.url, r.source_prefix, when(r.created_at),
                   when(r.last_used_at), when(r.revoked_at)))
    return 0


def revoke(args) -> int:
    from pts.webhooks import store

    if store.revoke(management_pool(args), args.name) is None:
        raise CommandError(f"no live webhook integration named {args.name!r}")
    print(f"webhook {args.name!r} revoked", file=sys.stderr)
    return 0

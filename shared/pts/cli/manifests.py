"""`pts manifests knative`: generate deploy/knative/ from stack.yml and the routing table."""

from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("manifests", help="generate deployment manifests")
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    k = kinds.add_parser("knative", help="Knative Services, Broker, Triggers, sources, Job",
                         description="Write the Knative manifests into --out.")
    k.add_argument("--stack", type=Path, default=None, help="stack.yml (default: the project's)")
    k.add_argument("--out", type=Path, default=Path("deploy/knative"))
    k.add_argument("--namespace", default="pts")
    k.add_argument("--image", default=None, help="image of every function (default: stack.yml's)")
    k.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 when the files differ from what would be written")
    k.set_defaults(func=run_knative)


def run_knative(args) -> int:
    from pts.deploy import knative
    from pts.deploy.stack import STACK

    files = knative.manifests(args.stack or STACK, args.namespace, args.image)
    if args.check:
        stale = [n for n, objs in files.items()
                 if not (args.out / n).exists()
                 or (args.out / n).read_text() != knative.render(objs)]
        for name in stale:
            print(f"{args.out / name} is not what `pts manifests knative` generates")
        return 1 if stale else 0
    changed = knative.write(args.out, files)
    print(f"{len(files)} files in {args.out}; {len(changed)} changed")
    return 0

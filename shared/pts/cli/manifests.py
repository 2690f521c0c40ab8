"""`pts manifests knative|openfaas`: generate deploy/knative/ (from stack.yml and the routing
of the function table) and stack.yml (from the function table)."""

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
    o = kinds.add_parser("openfaas", help="stack.yml, from the function table",
                         description="Write the OpenFaaS stack file (--out).")
    o.add_argument("--out", type=Path, default=None, help="default: the project's stack.yml")
    o.add_argument("--image", default=None, help="image of every function")
    o.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 when the file differs from what would be written")
    o.set_defaults(func=run_openfaas)


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


def run_openfaas(args) -> int:
    from pts.deploy import openfaas
    from pts.deploy.stack import STACK

    out: Path = args.out or STACK
    text = openfaas.render(args.image or openfaas.IMAGE)
    if args.check:
        if out.exists() and out.read_text() == text:
            return 0
        print(f"{out} is not what `pts manifests openfaas` generates")
        return 1
    changed = not out.exists() or out.read_text() != text
    if changed:
        out.write_text(text)
    print(f"{out}: {'written' if changed else 'unchanged'}")
    return 0

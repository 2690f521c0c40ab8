"""`pts serve`: one function, as its container runs it on Knative or OpenFaaS.

The function comes from FUNCTION_TARGET and FUNCTION_SOURCE (functions-framework's names);
the port from PORT (Knative sets it) or 8080 (OpenFaaS's). /_/health (the OpenFaaS readiness
path) and /healthz answer 200, /readyz 200 when the database answers (503 otherwise),
/metrics the Prometheus metrics; every other path goes to the function.
"""

from __future__ import annotations

import os
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("serve", help="serve one function (the container's command)",
                       description="Serve FUNCTION_TARGET from FUNCTION_SOURCE on $PORT.")
    p.add_argument("--target", default=os.environ.get("FUNCTION_TARGET"))
    p.add_argument("--source", default=os.environ.get("FUNCTION_SOURCE"))
    p.add_argument("--host", default="0.0.0.0")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8080))
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--threads", type=int, default=8)
    p.set_defaults(func=run)


def build(target: str, source: str):
    """The WSGI app: the function at every path, health at /_/health and /healthz, and
    /metrics for a Prometheus that scrapes the pod."""
    from functions_framework import create_app
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from pts.runtime.app import _healthz, _readyz
    from pts.runtime.metrics import metrics_app

    return DispatcherMiddleware(create_app(target, source), {
        "/_/health": _healthz, "/healthz": _healthz, "/readyz": _readyz,
        "/metrics": metrics_app})


def run(args) -> int:
    from pts import logs
    from pts.cli.commands import CommandError
    from pts.config import get_settings
    from pts.runtime.server import BUFFERING_WORKER, Server

    if not args.target:
        raise CommandError("set FUNCTION_TARGET (or --target): which function to serve")
    source = args.source or str(Path("functions") / args.target / "main.py")
    if not Path(source).exists():
        raise CommandError(f"no function source at {source} (FUNCTION_SOURCE)")
    Path("/tmp/.lock").touch()  # OpenFaaS's exec readiness probe looks for it
    if args.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        import tempfile

        from pts.runtime.metrics import prepare_multiprocess

        # Several workers: each writes its counters there; /metrics sums them.
        prepare_multiprocess(Path(tempfile.mkdtemp(prefix="pts-metrics-")))
    settings = get_settings()
    Server(lambda: build(args.target, source), {
        "bind": f"{args.host}:{args.port}", "workers": args.workers, "threads": args.threads,
        # Whole requests before a thread takes them (docs/reliability.md, Serving); Knative's
        # queue-proxy buffers too, OpenFaaS's watchdog and gateway do not.
        "worker_class": BUFFERING_WORKER, "accesslog": None, "graceful_timeout": 10,
        "timeout": 60, "control_socket_disable": True,
        "limit_request_field_size": settings.max_header_bytes,
        "limit_request_fields": settings.max_headers,
        "logconfig_dict": logs.gunicorn_logconfig(),  # PTS_LOG_FORMAT=json: gunicorn's too
    }).run()
    return 0

"""`pts up`: PTS on one machine, one command."""

from __future__ import annotations

import os
import sys
import uuid

from pts.cli.commands import (
    CommandError,
    add_database_options,
    settings_from,
    warn_if_superuser,
)


def register(sub) -> None:
    p = sub.add_parser(
        "up", help="run PTS on this machine",
        description="Start the database (embedded unless --database-url), migrate it, and "
        "serve every function at http://HOST:PORT/function/<name>, the local broker at "
        "/broker, and the relay on a timer.",
    )
    add_database_options(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="worker processes (default: the number of cores)")
    p.add_argument("--threads", type=int, default=8, help="threads per worker (default 8)")
    p.set_defaults(func=run)


def _worker_exit(server, worker) -> None:  # noqa: ARG001 - gunicorn's hook signature
    from pts.runtime.local import stop_background

    stop_background()


def _child_exit(server, worker) -> None:  # noqa: ARG001 - gunicorn's hook (in the arbiter)
    from pts.runtime.metrics import worker_exited

    worker_exited(worker.pid)


def _each(ticks: list):
    """One tick for gunicorn's master loop that calls each of ticks (None: no tick)."""
    if not ticks:
        return None

    def tick() -> None:
        for t in ticks:
            t()
    return tick


def run(args) -> int:
    # pts.cli.main has quieted the embedded server and alembic before this runs.
    from pts import logs
    from pts.broker import queue
    from pts.db import embedded
    from pts.db.migrate import upgrade
    from pts.db.pool import close_all, get_pool
    from pts.runtime.local import build_local_app
    from pts.runtime.server import BUFFERING_WORKER, Server
    from pts.runtime.supervise import Supervisor
    settings = settings_from(args)
    from pts.runtime.metrics import prepare_multiprocess

    # Before any worker imports prometheus_client: each worker writes its counters there and
    # /metrics sums them. Emptied at every start (the totals restart, as counters may).
    prepare_multiprocess(settings.data_dir / "metrics")
    supervisor = None
    if settings.database_url:
        url = settings.database_url
        upgrade(settings.migrate_database_url or url)
        if not settings.migrate_database_url:
            warn_if_superuser(url)
        where = "PostgreSQL at DATABASE_URL"
    else:
        other = embedded.up_pid(settings.data_dir)
        if other:
            raise CommandError(f"another pts up (pid {other}) serves {settings.data_dir}; "
                               "stop it first")
        url = embedded.ensure_embedded(settings.data_dir)
        embedded.own(settings.data_dir)  # a clean stop stops the server, whoever started it
        supervisor = Supervisor(settings.data_dir)
        where = f"embedded PostgreSQL in {settings.data_dir.resolve()}"
    local = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
    base = f"http://{local}:{args.port}"
    run_id = uuid.uuid4().hex
    # Workers read the settings at call time: hand them what this start decided.
    os.environ["DATABASE_URL"] = url
    if not os.environ.get("K_SINK") and not os.environ.get("PTS_EMIT_MODE"):
        # Emission goes straight into the broker's queue: same contract as POST /broker,
        # no HTTP request from this server to itself.
        os.environ["PTS_EMIT_MODE"] = "local"
    os.environ.setdefault("PTS_FUNCTIONS_URL", base)
    os.environ["PTS_BROKER_DISPATCH"] = "true"
    os.environ["PTS_RUN_ID"] = run_id
    auth_note = _prepare_auth(settings)
    from pts.config import reset_settings

    reset_settings()  # the workers (forked) build theirs from the environment set above
    pool = get_pool(settings_from(args))
    with pool.connection() as conn, conn.transaction():
        resumed = queue.resume(conn, run_id)
    close_all()  # no pool may cross the fork
    from pts.broker import backlog

    backlog.share()  # the handlers' lag, seen by every worker's ingest (backpressure)
    hooks, ticks = {}, [supervisor.tick] if supervisor else []
    if settings.dispatch_process:  # the broker beside the workers, not in each
        from pts.broker import wakeup
        from pts.runtime.dispatch_process import DispatchProcess

        wakeup.share()  # ingest's commits wake it
        broker = DispatchProcess()
        hooks = {"when_ready": broker.when_ready, "on_exit": broker.on_exit}
        ticks.append(broker.tick)
    from pts.broker import triggers

    idle = triggers.inactive(settings_from(args))
    idle_note = (f"  not installed yet: {', '.join(idle)} (their events are queued and logged, "
                 "not delivered)\n" if idle else "")
    data_opt = "" if settings.database_url else f" --data-dir {settings.data_dir}"
    _announce(
        f"PTS is up ({where}).\n"
        f"  ingest:  POST {base}/function/ingest\n"
        f"  broker:  POST {base}/broker  (events go to the handlers' /function/<name>)\n"
        + idle_note
        + f"  admin:   {base}/function/admin/\n"
        f"  search:  GET  {base}/function/search/events\n"
        f"  health:  GET  {base}/healthz (alive), {base}/readyz (database reachable)\n"
        f"  metrics: GET  {base}/metrics\n"
        f"  status:  pts status{data_opt}  (or GET {base}/function/admin/api/status)\n"
        f"  dead letters: pts deadletters list{data_opt}; pts deadletters redrive{data_opt}\n"
        + auth_note
        + (f"Resuming {resumed} deliveries cut off by the last stop.\n" if resumed else "")
        + "Try:\n"
        f"  curl -si {base}/function/ingest -H 'Content-Type: application/json' \\\n"
        "    -H \"Authorization: Bearer $PTS_TOKEN\" \\\n"
        "    -d '{\"type\": \"deployment.started\", \"deployment_id\": \"d-1\", "
        "\"service\": \"api\", \"environment\": \"prod\", \"version\": \"1.4.2\"}'\n"
        "  then watch this log: one line per request, ingest's then each handler's.\n"
        f"Or see a whole platform: pts demo --url {base}{data_opt}, then open the admin page.\n"
        "Press Ctrl-C to stop.")
    Server(build_local_app, {
        # Header limits, refused by gunicorn before any function runs (431 / 400).
        "limit_request_field_size": settings.max_header_bytes,
        "limit_request_fields": settings.max_headers,
        "bind": f"{args.host}:{args.port}",
        "workers": args.workers,
        "threads": args.threads,
        "worker_class": BUFFERING_WORKER,  # whole requests before a thread: docs/reliability.md
        "accesslog": None,
        "graceful_timeout": 10,
        "timeout": 60,
        "control_socket_disable": True,  # several instances may run on one machine
        "logconfig_dict": logs.gunicorn_logconfig(),  # PTS_LOG_FORMAT=json: gunicorn's too
        "worker_exit": _worker_exit,
        "child_exit": _child_exit,
        **hooks,
    }, tick=_each(ticks)).run()
    return 0


def _announce(text: str) -> None:
    """The start banner: plain text, or one JSON log record with PTS_LOG_FORMAT=json (a
    reader of JSON lines must not meet a line of text)."""
    from pts import logs

    if logs.log_format() == "json":
        import logging

        logging.getLogger(__name__).warning(text)  # shown at every log level, as print was
    else:
        print(text, file=sys.stderr, flush=True)


def _prepare_auth(settings) -> str:
    """Register PTS_ADMIN_TOKEN (hashed) and make this start's broker secret; the text to print."""
    import secrets

    from pts.auth import SCOPES, store
    from pts.db.pool import close_all, get_pool

    if not os.environ.get("PTS_BROKER_TOKEN"):
        # A new secret per start: handlers accept only the local broker, which sends it.
        os.environ["PTS_BROKER_TOKEN"] = secrets.token_urlsafe(32)
    where = f" --data-dir {settings.data_dir}" if not settings.database_url else ""
    if settings.admin_token:
        state = store.register_admin(get_pool(settings), settings.admin_token, list(SCOPES))
        close_all()  # the workers are forked: they open their own pools
        if state == "revoked":
            return ("  tokens:  PTS_ADMIN_TOKEN was revoked earlier and stays refused; set a "
                    "new value to register a new one, or:\n"
                    "           export PTS_TOKEN=$(pts token create --name me --scope all"
                    f"{where})\n")
        said = "is registered" + ("" if state == "registered" else " (since an earlier start)")
        return (f"  tokens:  PTS_ADMIN_TOKEN {said}, all scopes: export "
                "PTS_TOKEN=\"$PTS_ADMIN_TOKEN\" to try;\n           more: pts token create\n")
    return ("  tokens:  none yet; in another shell:\n"
            f"           export PTS_TOKEN=$(pts token create --name me --scope all{where})\n")

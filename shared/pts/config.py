"""Settings, read from the environment once per process, on first use (never at import).

Building them costs milliseconds (pydantic-settings reads and validates every variable), so
`get_settings()` caches them; code that changes the environment on purpose (`pts up` before
it forks its workers, the tests' fixtures) calls `reset_settings()` afterwards."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of PTS. Environment variables use the names below, upper-cased.

    `DATABASE_URL`, `K_SINK` and `K_CE_OVERRIDES` keep the names the platforms give them;
    everything else is prefixed `PTS_`.
    """

    model_config = SettingsConfigDict(env_prefix="PTS_", extra="ignore", populate_by_name=True)

    database_url: str | None = Field(
        default=None,
        validation_alias="DATABASE_URL",
        description="PostgreSQL URL; unset means the embedded PostgreSQL in data_dir.",
    )
    data_dir: Path = Field(default=Path(".pts"), description="Embedded database directory.")
    pool_min_size: int = Field(default=1, ge=0, description="Connections kept open per process.")
    pool_max_size: int = Field(default=10, ge=1, description="Most connections per process.")
    pool_timeout: float = Field(default=5.0, gt=0, description="Seconds to wait for a connection.")

    max_body_bytes: int = Field(default=1024 * 1024, ge=1024,
                                description="Largest request body ingest accepts (413 above).")
    max_batch_events: int = Field(default=1000, ge=1,
                                  description="Most events in one request (413 above).")
    max_string_length: int = Field(default=65536, ge=16,
                                   description="Longest string inside event data (422 above).")
    max_json_depth: int = Field(default=32, ge=2,
                                description="Deepest JSON nesting in a body (422 above).")
    foreign_types: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Type prefixes outside dev.pts. that ingest stores as is (JSON list or "
        "comma-separated). Empty: any type outside the catalog is refused.",
    )
    plain_source: str = Field(
        default="/pts/plain", description="Source given to plain JSON events posted without one."
    )

    # Access control (pts.auth; docs/security.md).
    admin_token: str | None = Field(
        default=None, description="A token with every scope, registered (hashed) on first use."
    )
    broker_token: str | None = Field(
        default=None,
        description="Secret the local broker sends as X-PTS-Broker-Token; unset: no check "
        "(on Knative the handlers are cluster-local).",
    )
    rate_limit_per_second: float = Field(
        default=0.0, ge=0, description="Requests per second per token; 0 turns the limit off."
    )
    rate_limit_burst: int = Field(default=0, ge=0, description="Bucket size; 0 means 2 x rate.")
    audit_interval_seconds: float = Field(
        default=60.0, ge=0, description="At most one last-used write per token and process per "
        "this many seconds (0: every request).",
    )
    max_header_bytes: int = Field(default=8190, ge=256, description="Longest header line.")
    max_headers: int = Field(default=100, ge=10, description="Most header fields per request.")
    search_url: str | None = Field(
        default=None, description="The search API as the admin page calls it; unset: "
        "/function/search beside the admin function (pts up, OpenFaaS).",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins allowed to call search and admin from a "
        "browser (JSON list or comma-separated); empty: no CORS headers at all.",
    )

    # search (the read API)
    search_cursor_secret: str | None = Field(
        default=None,
        description="Key that seals pagination cursors (itsdangerous); unset: a random key "
        "made for this installation by its first migration (table pts_secrets). Set it to "
        "share cursors between installations or to invalidate every cursor given so far.",
    )
    search_statement_timeout_ms: int = Field(
        default=10_000, ge=100, description="Longest a search query may run (milliseconds)."
    )

    sink: str | None = Field(default=None, validation_alias="K_SINK",
                             description="Where ingest emits events (set by a SinkBinding).")
    ce_overrides: str | None = Field(
        default=None, validation_alias="K_CE_OVERRIDES",
        description="JSON {\"extensions\": {...}} added to every emitted event (Knative).")

    # --- Eventing: emission, relay, local broker, dead letters (issue 3) ---
    emit_mode: str = Field(
        default="sink", pattern="^(sink|openfaas|local)$",
        description="sink: each event to K_SINK; openfaas: to {openfaas_gateway}/async-function/"
        "<name> for every subscriber in the routing declaration; local: straight into the "
        "local broker's queue in the same database (pts up, unless K_SINK is set).",
    )
    openfaas_gateway: str = Field(default="http://gateway.openfaas:8080")
    emit_timeout: float = Field(default=2.0, gt=0, description="Seconds per emission request.")
    emit_concurrency: int = Field(default=8, ge=1, description="Requests in flight while "
                                  "emitting the events of one batch.")
    relay_delay: float = Field(
        default=10.0, ge=0, description="Seconds an event stays unacknowledged before the relay "
        "re-emits it.",
    )
    relay_batch: int = Field(default=100, ge=1)
    relay_interval: float = Field(default=5.0, gt=0, description="pts up: relay timer period.")
    functions_url: str | None = Field(
        default=None, description="Base URL of /function/<name> for the local broker "
        "(pts up sets it).",
    )
    broker_subscribers: dict[str, str] = Field(
        default_factory=dict, description="Handler name -> URL, overriding "
        "{functions_url}/function/<name> (JSON).",
    )
    broker_routes: dict[str, list[str]] | None = Field(
        default=None, description="Replaces the routing declaration for the local broker "
        "(JSON handler -> filters; tests, experiments).",
    )
    dead_letter_sink: str | None = Field(
        default=None, description="Dead-letter URL; default {functions_url}/function/deadletter.",
    )
    broker_retry: int = Field(default=5, ge=0, description="Retries after the first attempt.")
    broker_backoff_delay: float = Field(default=0.2, gt=0,
                                        description="Seconds; doubles per retry.")
    broker_backoff_max: float = Field(default=60.0, gt=0,
                                      description="Cap of one backoff, seconds.")
    broker_timeout: float = Field(default=10.0, gt=0, description="Seconds per delivery attempt.")
    broker_concurrency: int = Field(default=16, ge=1,
                                    description="Deliveries in flight per process.")
    broker_in_process: bool = Field(
        default=True, description="pts up: the dispatcher applies the deliveries of the "
        "projection handlers (deployments, services, images) itself, in batches, through the "
        "handlers' own code, instead of POSTing each to /function/<name>.",
    )
    # 2000, not 500: under batched load a bigger batch folds more events per key into one
    # write; 3,784 against 2,727 events/s in the same run (docs/benchmarks.md).
    broker_batch: int = Field(default=2000, ge=1, description="Most deliveries applied in "
                              "one in-process batch (one transaction); one batch per handler "
                              "is in flight per process, so a backlog makes them this big.")
    broker_partitions: int = Field(
        default=2, ge=1, le=16, description="pts up: each projection handler's deliveries "
        "are split into this many partitions by the service their event names, with one "
        "in-process batch per partition in flight (1: one batch per handler).",
    )
    backpressure_lag: float = Field(
        default=0.5, ge=0, description="pts up: while a projection handler's oldest due "
        "delivery has waited longer than this (seconds), ingest waits before it appends, so "
        "that the handlers on the same cores catch up (0: never).",
    )
    backpressure_wait: float = Field(
        default=1.0, ge=0, description="pts up: the longest one ingest request waits for the "
        "handlers to catch up (seconds); then it appends anyway.",
    )
    broker_keep_seconds: float = Field(
        default=300.0, ge=0, description="How long the local broker keeps a finished "
        "(delivered or dead-lettered) delivery and its event before pruning them.",
    )
    broker_dispatch: bool = Field(
        default=False, description="Run the local broker's dispatcher and the relay timer in this "
        "process (pts up sets it for its workers).",
    )
    run_id: str | None = Field(default=None, description="pts up: this start's id (leases).")
    database_url_file: Path | None = Field(
        default=None, description="A file holding the database URL, read when DATABASE_URL is "
        "unset (OpenFaaS secrets: /var/openfaas/secrets/<name>).",
    )

    # --- Trust: roles, serving, database supervision (issue 9; docs/reliability.md) ---
    migrate_database_url: str | None = Field(
        default=None, description="PostgreSQL URL of the schema's owner, for migrations and "
        "`pts replay`; unset: DATABASE_URL does both (a warning when that role is a superuser).",
    )
    header_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a client may take to send a request's headers "
        "(408 and closed after).",
    )
    body_timeout: float = Field(
        default=30.0, gt=0, description="Seconds a client may take to send a request's body "
        "once its headers are in (408 and closed after).",
    )
    db_fail_fast: float = Field(
        default=0.25, gt=0, description="Seconds a request waits for a connection once the "
        "database is known to be unreachable, before its 503.",
    )
    db_reconnect_max: float = Field(
        default=1.0, gt=0, description="Most seconds between a worker's attempts to "
        "reconnect while the database is unreachable (so every worker serves again within "
        "about this long of its return).",
    )

    # --- Webhooks (issue 12; docs/integrations.md) ---
    github_deploy_workflows: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["*deploy*"],
        description="GitHub workflow_run webhooks: a run is a deployment when the workflow's "
        "name or file matches one of these patterns (fnmatch, case-insensitive; JSON list or "
        "comma-separated).",
    )
    github_deploy_environment: str = Field(
        default="production", min_length=1,
        description="The environment of deployments read from GitHub workflow runs.",
    )

    # --- Operability: logs and retention (issue 15; docs/operations.md) ---
    log_format: str = Field(
        default="text", pattern="^(text|json)$",
        description="text: one readable line per record; json: one JSON object per line "
        "(time, level, logger, message, and a request's function, status, duration_ms, "
        "events).",
    )
    retention_days: float = Field(
        default=7.0, ge=0, description="Finished broker work (delivered events and "
        "deliveries), emitted outbox rows and closed dead letters older than this are pruned "
        "by `pts prune` and by `pts up`. The log is never pruned.",
    )
    retention_interval: float = Field(
        default=3600.0, gt=0, description="pts up: seconds between two prunes.")
    retention_batch: int = Field(
        default=10_000, ge=1, description="Rows deleted per statement while pruning (short "
        "transactions: ingest and delivery never wait long).")
    metrics_token: str | None = Field(
        default=None, description="When set, GET /metrics needs `Authorization: Bearer "
        "<this>` (set it where /metrics is reachable from outside, e.g. the public ingest "
        "Service); unset: /metrics is open, like /healthz.")
    metrics_cache_seconds: float = Field(
        default=5.0, ge=0, description="How long one process reuses the database gauges "
        "between scrapes (bounds the queries that many scrapers, or a flood, can cause).")
    token_cache_seconds: float = Field(
        default=5.0, ge=0, description="How long one process trusts a token it verified "
        "without asking the database again; a revocation reaches every process at once "
        "through NOTIFY, and this bounds it when that channel is lost (docs/security.md). "
        "0: look every request's token up.")
    group_commit_events: int = Field(
        default=1000, ge=0, description="Ingest requests of one process that arrive while "
        "a commit is in flight are committed together in the next transaction, up to this "
        "many events (each is answered after its commit). 0: each request commits alone.")
    group_commit_alone_above: int = Field(
        default=50, ge=0, description="An ingest request of more than this many events "
        "(a batch) does not join group commit: it commits in its own transaction, "
        "concurrently with the process's other requests, instead of waiting for the "
        "group in flight and making the next group one big transaction. 0: every request "
        "joins group commit (when group_commit_events is not 0).")
    gc_threshold: int = Field(
        default=10000, ge=100, description="Objects a worker process allocates (less those "
        "freed) before Python's collector runs its youngest generation (Python's own "
        "default: 700). A 2000-event handler batch allocates tens of thousands that live "
        "until it ends: at 700 the collector walked them again and again.")
    dispatch_process: bool = Field(
        default=True, description="pts up: run the broker's dispatcher (the projection "
        "handlers' in-process batches), the relay and the pruner in one process of their own "
        "beside the workers, so that the workers' interpreters serve requests only; false: "
        "in every worker, as before (docs/benchmarks.md, Platform batches, session 8).")

    @model_validator(mode="after")
    def _url_from_file(self) -> Settings:
        if self.database_url is None and self.database_url_file is not None:
            self.database_url = self.database_url_file.read_text().strip() or None
        return self

    @field_validator("foreign_types", "cors_origins", "github_deploy_workflows", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            if value.lstrip().startswith("["):
                return json.loads(value)
            return [p.strip() for p in value.split(",") if p.strip()]
        return value


_lock = threading.Lock()
_cached: Settings | None = None


def get_settings(**overrides: Any) -> Settings:
    """The settings of this process, built on first use and cached. Keyword arguments win
    over the environment: such a call builds a new, uncached object (commands, tests)."""
    global _cached
    if overrides:
        return Settings(**overrides)
    settings = _cached
    if settings is None:
        with _lock:
            if _cached is None:
                _cached = Settings()
            settings = _cached
    return settings


def reset_settings() -> None:
    """Forget the cached settings: the next `get_settings()` reads the environment again."""
    global _cached
    with _lock:
        _cached = None

"""The handled-events rows PostgreSQL writes from the log (`Projection.handled_sql`) equal
what the Python `handled_row` gives for the same stored event: the handlers' folds and key
locks still compute the keys in Python, so the two must never differ."""

from psycopg.rows import dict_row

from pts.projections.facts import load_pairs
from pts.projections.registry import PROJECTIONS

from .helpers import deliver_all, event, log

IMAGES = ["reg/app:1.2", "reg/app@sha256:abc", "reg/app:1.2@sha256:abc", "host:5000/app",
          "host:5000/app:v1", "app:", "app", "reg/app:v1@", ":v1", "@sha256:x", "a/b/c:d:e"]


def _corpus() -> list[dict]:
    events = []
    for i, image in enumerate(IMAGES):
        events += [
            event("deployment.started", f"10:{i:02}:00", deployment_id=f"d{i}", service="api",
                  environment="prod", version=f"1.{i}", image=image),
            event("deployment.succeeded", f"10:{i:02}:30", deployment_id=f"d{i}",
                  service="api", environment="prod"),
            event("service.started", f"11:{i:02}:00", service=f"s{i}", environment="dev",
                  image=image),
        ]
    events += [
        event("deployment.started", "12:00:00", deployment_id="plain", service="web",
              environment="qa", version="2.0"),
        event("image.published", "12:01:00", repository="reg/app", digest="sha256:" + "a" * 64,
              tag="v1", service="api"),
        event("image.published", "12:02:00", repository="reg/other", digest="sha256:" + "d" * 64),
        event("service.health_changed", "12:03:00", service="api", environment="prod",
              status="healthy"),
        event("service.registered", "12:04:00", service="api", owner="team"),
        event("service.stopped", "12:05:00", service="api", environment="prod"),
    ]
    return events


def test_the_handled_rows_written_in_sql_equal_handled_row(db_url, sql):
    events = _corpus()
    log(events)
    deliver_all(events)
    facts = load_pairs(sql, [(e["source"], e["id"]) for e in events])
    checked = 0
    for projection in PROJECTIONS.values():
        columns = projection.handled_columns
        with sql.cursor(row_factory=dict_row) as cur:
            stored = {r["seq"]: tuple(r[c] for c in columns) for r in cur.execute(
                f"SELECT * FROM {projection.handled_table}").fetchall()}
        mine = [f for f in facts if f.type in projection.types]
        assert sorted(stored) == sorted(f.seq for f in mine), projection.name
        for f in mine:
            assert stored[f.seq] == projection.handled_row(f), (projection.name, f)
            checked += 1
    assert checked > 3 * len(IMAGES)

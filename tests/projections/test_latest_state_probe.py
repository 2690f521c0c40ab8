"""The services handler finds each pair's latest earlier state event by walking its index
backwards, whatever the statistics say (pts.projections.services._latest_before): planned on
a young table's estimates it had read a pair's whole history. The walk answers as before,
and the rest of the batch's transaction is planned with the usual settings."""

import psycopg

from pts.db.urls import to_conninfo
from pts.projections.services import _latest_before

from .helpers import deliver_all, event, log


def test_the_latest_earlier_state_event_of_each_pair_and_the_planner_left_as_it_was(
        db_url, sql):
    history = [event("service.health_changed", f"10:{m:02d}:00", service="api",
                     environment=env, status="healthy" if m % 2 else "degraded")
               for m in range(20) for env in ("prod", "staging")]
    history.append(event("deployment.started", "10:30:00", service="api", environment="prod",
                         deployment_id="d1", version="1.0"))  # not a state event: skipped
    log(history)
    deliver_all(history, ["services"])
    seqs = dict(sql.execute("SELECT environment, max(seq) FROM services_handled_events "
                            "WHERE type = 'dev.pts.service.health_changed' GROUP BY 1"))
    newest_prod = sql.execute("SELECT max(seq) FROM services_handled_events "
                              "WHERE environment = 'prod'").fetchone()[0]
    with psycopg.connect(to_conninfo(db_url)) as conn:
        found = _latest_before(conn, [("api", "prod"), ("api", "staging"), ("api", "dev")],
                               [seqs["staging"]])  # staging's newest counts as this batch's
        assert {k: v[1] for k, v in found.items()} == {
            ("api", "prod"): seqs["prod"],  # the deployment after it is no state event
            ("api", "staging"): seqs["staging"] - 2,  # the one before the batch's own
        }
        assert newest_prod != seqs["prod"]
        assert conn.execute("SELECT current_setting('enable_bitmapscan')").fetchone() == ("on",)

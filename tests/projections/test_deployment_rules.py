"""The deployment rules, each with an explicit case, against a real database."""

from datetime import timedelta

from .helpers import deliver_all, event, log, one, rows

D = dict(service="api", environment="prod")


def started(did, t, version, **kw):
    return event("deployment.started", t, deployment_id=did, version=version, **D, **kw)


def succeeded(did, t, **kw):
    return event("deployment.succeeded", t, deployment_id=did, **D, **kw)


def failed(did, t, **kw):
    return event("deployment.failed", t, deployment_id=did, **D, **kw)


def run(events, order=None):
    log(events)
    deliver_all([events[i] for i in order] if order else events, ["deployments"])


def test_started_then_succeeded_fills_the_row(sql):
    evs = [started("d1", "10:00:00", "1.0", image="reg:5000/api:1.0@sha256:" + "a" * 64,
                   commit="abc", actor="ann",
                   pipeline={"name": "ci", "run_id": "7", "url": "http://ci/7"}),
           succeeded("d1", "10:01:30")]
    run(evs)
    row = one(sql, "deployments", deployment_id="d1")
    assert row["status"] == "succeeded"
    assert (row["image_repository"], row["image_tag"]) == ("reg:5000/api", "1.0")
    assert row["image_digest"] == "sha256:" + "a" * 64
    assert (row["pipeline_name"], row["pipeline_run_id"], row["actor"]) == ("ci", "7", "ann")
    assert row["duration_seconds"] == 90.0
    assert row["finished_at"] - row["started_at"] == timedelta(seconds=90)
    assert row["is_current"] and not row["is_rollback"]
    seqs = [r[0] for r in sql.execute("SELECT seq FROM platform_events ORDER BY seq")]
    assert row["event_seqs"] == seqs
    cur = one(sql, "current_deployments", service="api", environment="prod")
    assert (cur["deployment_id"], cur["version"]) == ("d1", "1.0")


def test_late_started_fills_started_at_but_keeps_the_terminal_status(sql):
    evs = [started("d1", "10:00:00", "1.0"), failed("d1", "10:02:00", reason="boom")]
    run(evs, order=[1, 0])
    row = one(sql, "deployments", deployment_id="d1")
    assert row["status"] == "failed" and row["reason"] == "boom"
    assert row["started_at"] is not None and row["duration_seconds"] == 120.0


def test_an_older_failed_never_overwrites_a_newer_succeeded(sql):
    evs = [started("d1", "10:00:00", "1.0"), failed("d1", "10:01:00", reason="flaky"),
           succeeded("d1", "10:03:00")]
    run(evs, order=[0, 2, 1])
    row = one(sql, "deployments", deployment_id="d1")
    assert row["status"] == "succeeded" and row["reason"] is None
    assert row["is_current"]


def test_an_older_success_does_not_replace_a_newer_current_version(sql):
    evs = [started("d1", "10:00:00", "1.0"), succeeded("d1", "10:01:00"),
           started("d2", "11:00:00", "2.0"), succeeded("d2", "11:01:00")]
    run(evs, order=[2, 3, 0, 1])
    cur = one(sql, "current_deployments", service="api", environment="prod")
    assert (cur["deployment_id"], cur["version"]) == ("d2", "2.0")
    d2 = one(sql, "deployments", deployment_id="d2")
    assert (d2["replaced_deployment_id"], d2["replaced_version"]) == ("d1", "1.0")
    assert not one(sql, "deployments", deployment_id="d1")["is_current"]


def test_bringing_back_an_earlier_version_is_an_inferred_rollback(sql):
    evs = []
    for i, (did, v) in enumerate([("d1", "1.0"), ("d2", "2.0"), ("d3", "1.0"), ("d4", "1.0")]):
        evs += [started(did, f"1{i}:00:00", v), succeeded(did, f"1{i}:05:00")]
    run(evs, order=list(reversed(range(len(evs)))))
    flags = {r["deployment_id"]: (r["is_rollback"], r["rollback_inferred"])
             for r in rows(sql, "deployments")}
    # d4 redeploys the version already running: not a rollback.
    assert flags == {"d1": (False, False), "d2": (False, False), "d3": (True, True),
                     "d4": (False, False)}


def test_explicit_rollback_puts_the_environment_back(sql):
    evs = [started("d1", "10:00:00", "1.0", image="api:1.0"), succeeded("d1", "10:01:00"),
           started("d2", "11:00:00", "2.0"), succeeded("d2", "11:01:00"),
           event("deployment.rolled_back", "11:30:00", deployment_id="d2", to_version="1.0",
                 reason="errors", **D)]
    run(evs, order=[4, 3, 2, 1, 0])
    d2 = one(sql, "deployments", deployment_id="d2")
    assert d2["status"] == "rolled_back" and d2["is_rollback"] and not d2["rollback_inferred"]
    assert d2["rolled_back_to_version"] == "1.0" and d2["reason"] == "errors"
    assert d2["finished_at"] is not None and not d2["is_current"]
    cur = one(sql, "current_deployments", service="api", environment="prod")
    assert (cur["deployment_id"], cur["version"], cur["image"]) == ("d1", "1.0", "api:1.0")
    assert one(sql, "deployments", deployment_id="d1")["is_current"]


def test_a_repeat_changes_nothing_and_is_recorded_once(sql):
    evs = [started("d1", "10:00:00", "1.0")]
    run(evs + evs)
    deliver_all(evs, ["deployments"])
    assert len(rows(sql, "deployments_handled_events")) == 1
    assert one(sql, "deployments", deployment_id="d1")["status"] == "started"

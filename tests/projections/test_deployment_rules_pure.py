"""The deployment rules as the pure functions they are (no database): the status state machine
of fold_deployment and what environment_timeline makes current. test_deployment_rules.py
checks the same rules through the log, out-of-order deliveries and the tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pts.projections.deployment_rules import environment_timeline, fold_deployment
from pts.projections.facts import Fact

T0 = datetime(2026, 11, 1, 10, tzinfo=UTC)
WHERE = {"service": "api", "environment": "prod"}


def fact(seq: int, kind: str, minutes: float, **data) -> Fact:
    return Fact(seq, "/test", f"e{seq}", f"dev.pts.deployment.{kind}",
                T0 + timedelta(minutes=minutes), {**WHERE, **data})


def fold(did: str, *facts: Fact) -> dict:
    return fold_deployment(did, sorted(facts, key=lambda f: f.order))


def test_started_then_succeeded():
    row = fold("d1", fact(1, "started", 0, version="1.0", commit="abc", actor="ann",
                          image="reg:5000/api:1.0@sha256:" + "a" * 64,
                          pipeline={"name": "ci", "run_id": "7", "url": "http://ci/7"}),
               fact(2, "succeeded", 1.5))
    assert (row["status"], row["version"], row["commit"], row["actor"]) == (
        "succeeded", "1.0", "abc", "ann")
    assert (row["image_repository"], row["image_tag"], row["image_digest"]) == (
        "reg:5000/api", "1.0", "sha256:" + "a" * 64)
    assert (row["pipeline_name"], row["pipeline_run_id"], row["pipeline_url"]) == (
        "ci", "7", "http://ci/7")
    assert row["duration_seconds"] == 90.0
    assert (row["succeeded_at"], row["succeeded_seq"]) == (T0 + timedelta(minutes=1.5), 2)
    assert row["event_seqs"] == [1, 2]


def test_a_late_started_fills_started_at_and_keeps_the_terminal_status():
    row = fold("d1", fact(2, "failed", 2, reason="boom"), fact(1, "started", 0, version="1"))
    assert (row["status"], row["reason"], row["duration_seconds"]) == ("failed", "boom", 120.0)


def test_the_newest_terminal_status_wins_and_a_later_failure_undoes_success():
    row = fold("d1", fact(1, "started", 0), fact(3, "succeeded", 3), fact(2, "failed", 1))
    assert (row["status"], row["reason"]) == ("succeeded", None)
    row = fold("d1", fact(1, "started", 0), fact(2, "succeeded", 1), fact(3, "failed", 3))
    assert row["status"] == "failed"
    assert (row["succeeded_at"], row["succeeded_seq"]) == (None, None)


def test_rolled_back_is_final():
    row = fold("d1", fact(1, "started", 0), fact(2, "succeeded", 1),
               fact(3, "rolled_back", 2, to_version="0.9", reason="errors"),
               fact(4, "failed", 3))
    assert (row["status"], row["rolled_back_to_version"], row["reason"]) == (
        "rolled_back", "0.9", "errors")
    assert row["succeeded_seq"] == 2  # it did succeed before it was rolled back


def _rows(*deployments: tuple[str, str, float]) -> list[dict]:
    """Succeeded deployments (id, version, minute of success)."""
    out = []
    for n, (did, version, at) in enumerate(deployments):
        seq = 10 * n
        out.append(fold(did, fact(seq + 1, "started", at - 1, version=version),
                        fact(seq + 2, "succeeded", at)))
    return out


def test_the_last_success_is_current_and_replaces_the_one_before():
    derived, current, steps = environment_timeline(_rows(("d2", "2.0", 60), ("d1", "1.0", 1)))
    assert (current["deployment_id"], current["version"]) == ("d2", "2.0")
    assert derived["d2"]["is_current"] and not derived["d1"]["is_current"]
    assert (derived["d2"]["replaced_deployment_id"], derived["d2"]["replaced_version"]) == (
        "d1", "1.0")
    assert [s["deployment_id"] for s in steps] == ["d1", "d2"]


def test_bringing_back_an_earlier_version_is_an_inferred_rollback():
    derived, _, _ = environment_timeline(_rows(("d1", "1.0", 1), ("d2", "2.0", 60),
                                               ("d3", "1.0", 120), ("d4", "1.0", 180)))
    flags = {d: (v["is_rollback"], v["rollback_inferred"]) for d, v in derived.items()}
    # d4 redeploys the version already running: not a rollback.
    assert flags == {"d1": (False, False), "d2": (False, False), "d3": (True, True),
                     "d4": (False, False)}


def test_an_explicit_rollback_puts_the_environment_back():
    first, second = _rows(("d1", "1.0", 1), ("d2", "2.0", 60))
    second = fold("d2", fact(11, "started", 59, version="2.0"), fact(12, "succeeded", 60),
                  fact(13, "rolled_back", 90, to_version="1.0"))
    derived, current, steps = environment_timeline([first, second])
    assert (current["deployment_id"], current["version"]) == ("d1", "1.0")
    assert derived["d1"]["is_current"] and not derived["d2"]["is_current"]
    assert derived["d2"]["is_rollback"] and not derived["d2"]["rollback_inferred"]
    assert [s["step"] for s in steps] == ["deploy", "deploy", "rollback"]

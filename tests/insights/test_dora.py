"""GET /dora on known histories, every figure computed by hand (docs/dora.md)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from pts.domain.timefmt import parse_rfc3339

from .helpers import SINCE, UNTIL, at, deployment, dora, ev, expected, incident, keys, post

# Scenario "failures then recovery" (api), lead times from each source (api, web):
#   a1 failed 11-03 09:10, a2 failed 09:40, a3 succeeded 10:10 (commit_time 07:40),
#   w4 succeeded 11-04 12:20 (change.merged of w4 at 11:20), w5 succeeded 11-05 12:05
#   (nothing names its changes), a6 cancelled (not counted).
RECOVERY = [
    *deployment("a1", "api", at(3, "09:00"), at(3, "09:10"), "failed"),
    *deployment("a2", "api", at(3, "09:30"), at(3, "09:40"), "failed"),
    *deployment("a3", "api", at(3, "10:00"), at(3, "10:10"), commit="c3",
                commit_time="2026-11-03T08:40:00+01:00"),
    ev("change.merged", at(4, "11:25"), service="web", commit="w4", time=at(4, "11:20")),
    *deployment("w4", "web", at(4, "12:00"), at(4, "12:20"), commit="w4"),
    *deployment("w5", "web", at(5, "12:00"), at(5, "12:05"), commit="w5"),
    *deployment("a6", "api", at(5, "13:00"), at(5, "13:05"), "cancelled"),
]
# deployments a3, w4, w5 on 3 days; leads 9000 (a3), 3600 (w4): median 6300, p90 (rank
# ceil(0.9 * 2) = 2) 9000; failed a1, a2 of 5; restores a1 3600, a2 1800: median 2700.
RECOVERY_KEYS = expected(3, 0.3, 3, (2, 6300, 9000), (2, 5, 0.4), (2, 2700))

# Scenario "rollbacks": api explicit, web inferred (2.0, 2.1, then 2.0 again).
ROLLBACKS = [
    *deployment("r1", "api", at(2, "10:00"), at(2, "10:05"), version="1.0"),
    *deployment("r2", "api", at(2, "11:00"), at(2, "11:05"), version="1.1"),
    ev("deployment.rolled_back", at(2, "11:30"), deployment_id="r2", service="api",
       environment="prod", to_version="1.0"),
    *deployment("r3", "api", at(2, "14:00"), at(2, "14:05"), version="1.2"),
    *deployment("i1", "web", at(3, "10:00"), at(3, "10:05"), version="2.0"),
    *deployment("i2", "web", at(3, "11:00"), at(3, "11:05"), version="2.1"),
    *deployment("i3", "web", at(3, "11:30"), at(3, "11:35"), version="2.0"),
]
# succeeded r1, r3, i1, i3 on 2 days; failed r2 (explicit) and i2 (inferred) of 6;
# restores r2 11:05 -> r3 14:05 = 10800, i2 11:05 -> i3 11:35 = 1800: median 6300.
ROLLBACK_KEYS = expected(4, 0.4, 2, cfr=(2, 6, 0.333333), ttr=(2, 6300))


def test_an_empty_window_answers_zeros_and_nulls(db_url):
    assert keys(dora()) == expected()
    post(deployment("old", "api", "2026-10-20T10:00:00Z", "2026-10-20T10:05:00Z"))
    answer = dora()
    assert keys(answer) == expected()
    assert answer | {} == {**answer, "environment": "prod", "service": None,
                           "since": SINCE, "until": UNTIL}
    assert keys(dora(since=UNTIL)) == expected()  # zero length: still no error
    assert keys(dora(environment="nowhere", service="api")) == expected()


def test_a_single_deployment(db_url):
    post(deployment("d1", "api", at(2, "10:00"), at(2, "10:30"), commit="c1",
                    changes=[{"commit": "c1", "time": at(2, "08:00")},
                             {"commit": "c0", "time": at(1, "22:00")}]))
    # lead: 11-02 10:30 - 11-01 22:00 = 12.5 h = 45000 s
    assert keys(dora()) == expected(1, 0.1, 1, (1, 45000, 45000), (0, 1, 0))
    assert keys(dora(service="web")) == expected()


def test_the_window_is_half_open_on_the_finish(db_url):
    post([*deployment("in", "api", "2026-10-31T23:50:00Z", SINCE),
          *deployment("out", "api", "2026-11-10T23:50:00Z", UNTIL)])
    assert keys(dora())["deployment_frequency"] == {
        "deployments": 1, "per_day": 0.1, "deployment_days": 1}


def test_failures_followed_by_a_recovery(db_url):
    post(RECOVERY)
    assert keys(dora()) == RECOVERY_KEYS
    assert keys(dora(service="web")) == expected(2, 0.2, 2, (1, 3600, 3600), (0, 2, 0))
    # api alone: a3 only; its failures a1, a2 restored by a3.
    assert keys(dora(service="api")) == expected(1, 0.1, 1, (1, 9000, 9000), (2, 3, 0.666667),
                                                 (2, 2700))


def test_a_restore_after_the_window_still_counts(db_url):
    post(RECOVERY)
    # Window ends 11-03 10:00: a1, a2 failed in it, a3 (after it) restored both.
    assert keys(dora(until=at(3, "10:00"))) == expected(cfr=(2, 2, 1), ttr=(2, 2700))


def test_explicit_and_inferred_rollbacks(db_url):
    post(ROLLBACKS)
    assert keys(dora()) == ROLLBACK_KEYS
    assert keys(dora(service="web")) == expected(2, 0.2, 1, cfr=(1, 3, 0.333333),
                                                 ttr=(1, 1800))
    assert keys(dora(service="api")) == expected(2, 0.2, 1, cfr=(1, 3, 0.333333),
                                                 ttr=(1, 10800))


INCIDENTS = [
    *deployment("d1", "api", at(2, "09:55"), at(2, "10:00")),
    incident("opened", "inc-1", "api", at(2, "10:30")),  # after d1, before d2: d1 failed
    incident("resolved", "inc-1", "api", at(2, "11:00")),  # restored in 1800
    incident("opened", "inc-3", "api", at(2, "10:40"), "staging"),  # another environment
    *deployment("d2", "api", at(2, "11:55"), at(2, "12:00")),
    incident("opened", "inc-4", "api", at(2, "13:00")),  # after d2, before d3: d2 failed
    incident("opened", "inc-2", "db", at(3, "08:00")),  # no deployment of db
    incident("resolved", "inc-2", "db", at(3, "10:00")),  # restored in 7200
    incident("resolved", "inc-5", "api", at(4, "10:00")),  # never opened: ignored
    incident("opened", "inc-0", "api", "2026-10-30T10:00:00Z"),  # opened before the window
    incident("resolved", "inc-0", "api", at(1, "10:00")),
    *deployment("d3", "api", at(5, "09:55"), at(5, "10:00")),
]


def test_incidents_with_and_without_a_matching_deployment(db_url):
    post(INCIDENTS)
    # d1, d2, d3 on 2 days; d1 and d2 followed by an incident: 2 of 3; restores inc-1 1800,
    # inc-2 7200 (inc-4 is not resolved): median 4500.
    assert keys(dora()) == expected(3, 0.3, 2, cfr=(2, 3, 0.666667), ttr=(2, 4500))
    assert keys(dora(service="db")) == expected(ttr=(1, 7200))
    assert keys(dora(environment="staging")) == expected()  # inc-3 is never resolved


def test_an_incident_long_after_the_last_deployment_counts_against_it(db_url):
    post([*deployment("d1", "api", at(2, "09:55"), at(2, "10:00")),
          incident("opened", "late", "api", "2026-12-24T10:00:00Z")])
    assert keys(dora())["change_failure_rate"] == {"failed": 1, "total": 1, "rate": 1}


ORDERS = {
    "reversed": lambda events: events[::-1],
    "shuffled": lambda events: random.Random(13).sample(events, len(events)),
}


@pytest.mark.parametrize("order", list(ORDERS))
@pytest.mark.parametrize("history,answer", [(RECOVERY, RECOVERY_KEYS),
                                            (ROLLBACKS, ROLLBACK_KEYS)],
                         ids=["recovery", "rollbacks"])
def test_events_arriving_out_of_order(db_url, order, history, answer):
    arrived = ORDERS[order](history)
    post(arrived, order=ORDERS[order](arrived))
    assert keys(dora()) == answer


def test_the_default_window_is_the_last_30_days(db_url):
    answer = dora(since=None, until=None)
    since, until = parse_rfc3339(answer["since"]), parse_rfc3339(answer["until"])
    assert until - since == timedelta(days=30)
    assert answer["until"].endswith("Z") and answer["since"].endswith("Z")
    assert dora(since=None, until=UNTIL)["since"] == "2026-10-12T00:00:00Z"


@pytest.mark.parametrize("params,bad", [
    ({"environment": None}, "environment"),
    ({"since": UNTIL, "until": SINCE}, "since"),
    ({"since": "yesterday"}, "since"),
    ({"window": "7d"}, "window"),
])
def test_bad_parameters_answer_400(db_url, params, bad):
    problem = dora(400, **params)
    assert [e["parameter"] for e in problem["errors"]] == [bad]


# The worked example of docs/dora.md, event for event.
WORKED = [
    *deployment("d1", "api", at(2, "09:00"), at(2, "09:20"), version="1.0", commit="c2",
                changes=[{"commit": "c1", "time": at(1, "15:20")},
                         {"commit": "c2", "time": at(2, "08:00")}]),
    *deployment("d2", "api", at(3, "10:00"), at(3, "10:10"), "failed", version="1.1"),
    ev("change.merged", at(3, "09:00"), service="api", commit="c3", time=at(3, "09:00")),
    *deployment("d3", "api", at(3, "10:30"), at(3, "10:40"), version="1.1", commit="c3",
                commit_time=at(3, "08:40")),
    incident("opened", "i-1", "api", at(3, "12:00")),
    incident("resolved", "i-1", "api", at(3, "12:30")),
    ev("change.merged", at(4, "09:00"), service="api", commit="c4", time=at(4, "09:00")),
    *deployment("d4", "api", at(4, "11:00"), at(4, "11:30"), version="1.2", commit="c4"),
    *deployment("d5", "api", at(4, "13:00"), at(4, "13:15"), version="1.1", commit="c3"),
    *deployment("w1", "web", at(6, "16:00"), at(6, "16:05"), "cancelled", version="3.0"),
]


def test_the_worked_example_of_the_documentation(db_url):
    post(WORKED)
    answer = dora(until="2026-11-08T00:00:00Z")
    assert keys(answer) == expected(3, 0.428571, 3, (3, 64800, 101700), (3, 5, 0.6),
                                    (3, 1800))


def test_a_window_starting_in_the_future_is_empty(db_url):
    answer = dora(since="2999-01-01T00:00:00Z", until=None)
    assert answer["until"] == answer["since"] == "2999-01-01T00:00:00Z"
    assert keys(answer) == expected()

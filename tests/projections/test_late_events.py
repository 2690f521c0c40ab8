"""A late state event refolds only the window after its time, with the same result as the
events in order (the property test covers this broadly; these pin the cases down)."""

import pytest

from .helpers import deliver_all, event, log, tables


def _stream():
    return [
        event("service.started", "10:00:00", service="api", environment="prod", version="1",
              image="reg/api:1", instance="a"),
        event("service.health_changed", "10:01:00", service="api", environment="prod",
              status="healthy"),
        event("service.started", "10:02:00", service="api", environment="prod", version="2"),
        event("service.health_changed", "10:03:00", service="api", environment="prod",
              status="degraded"),
        event("service.stopped", "10:04:00", service="api", environment="prod"),
        event("service.started", "10:05:00", service="api", environment="prod", version="2",
              instance="b"),
    ]


def _clear(sql):
    for t in ("services", "service_environments", "service_transitions",
              "services_handled_events"):
        sql.execute(f"DELETE FROM {t}")


@pytest.mark.parametrize("late", range(6))
def test_one_late_event_gives_the_in_order_tables(db_url, sql, late):
    events = _stream()
    log(events)
    deliver_all(events, ["services"])
    expected = tables(sql)
    _clear(sql)
    deliver_all([e for i, e in enumerate(events) if i != late] + [events[late]], ["services"])
    assert tables(sql) == expected

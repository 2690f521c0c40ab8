"""Concurrent deliveries (the broker delivers in parallel) serialise per key and end in the
same tables as in-order processing."""

import random
from concurrent.futures import ThreadPoolExecutor

from pts.config import get_settings
from pts.db.pool import get_pool
from pts.projections.delivery import apply_delivered
from pts.projections.registry import PROJECTIONS

from .helpers import deliver_all, handlers_for, log, tables
from .test_replay import stream


def test_parallel_deliveries_with_repeats_equal_in_order_processing(sql, db_url):
    events = stream(12)
    log(events)
    pool = get_pool(get_settings(pool_max_size=8))
    jobs = [(e, h) for e in events for h in handlers_for(e["type"])] * 2
    random.Random(7).shuffle(jobs)
    with ThreadPoolExecutor(8) as workers:
        list(workers.map(lambda job: apply_delivered(pool, PROJECTIONS[job[1]], job[0]), jobs))
    live = tables(sql)
    for t in live:
        sql.execute(f"DELETE FROM {t}")
    deliver_all(events)  # logged in event-time order already
    assert tables(sql) == live

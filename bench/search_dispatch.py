"""The search function's fixed cost before any SQL: matching the route and validating the
parameters (pydantic query models), for typical requests, against a baseline measured in the
same run: the same werkzeug match with the query string copied into a dict, unchecked.

    uv run python bench/search_dispatch.py [--rounds 20000]

No database: the handlers are not called. The OpenAPI document is built once per process,
so it is not on the path.
"""

from __future__ import annotations

import argparse
import statistics
import time
from urllib.parse import parse_qsl

from werkzeug.datastructures import MultiDict

from pts.search.app import TABLE
from pts.search.params import parse_query

REQUESTS = [
    "/events?limit=50",
    "/events?type=dev.pts.deployment.*&service=api&since=2026-11-01T00:00:00Z",
    "/events?data.version=1.2.3&q=timeout",
    "/events/12345",
    "/deployments?environment=prod&status=failed&rollback=false",
    "/services/api",
    "/deadletters?state=all&since=2026-11-01T00:00:00Z",
    "/dora?environment=prod",
]


def _split(url: str) -> tuple[str, MultiDict[str, str]]:
    path, _, query = url.partition("?")
    return path, MultiDict(parse_qsl(query, keep_blank_values=True))


def pts(path: str, args: MultiDict[str, str]) -> object:
    found = TABLE.match(path)
    assert found is not None
    route, values = found
    return parse_query(route.query, args, values)


def baseline(path: str, args: MultiDict[str, str]) -> object:
    found = TABLE.match(path)
    assert found is not None
    return {**args.to_dict(), **found[1]}


def _time(func, cases, rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        for path, args in cases:
            func(path, args)
    return (time.perf_counter() - start) / (rounds * len(cases)) * 1e6


def per_request(cases, rounds: int) -> tuple[float, float]:
    """Microseconds per request (baseline, PTS): medians of nine timings each, the two
    interleaved so that a busy machine slows both alike."""
    base, ours = [], []
    for _ in range(9):
        base.append(_time(baseline, cases, rounds))
        ours.append(_time(pts, cases, rounds))
    return statistics.median(base), statistics.median(ours)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    rounds = parser.parse_args().rounds
    cases = [_split(u) for u in REQUESTS]
    base, ours = per_request(cases, rounds)
    print("| step | µs per request |\n|---|---|")
    print(f"| baseline: route match, query copied unchecked | {base:.1f} |")
    print(f"| PTS: route match, parameters validated | {ours:.1f} |")
    print(f"\nvalidation costs {ours - base:.1f} µs per request ({ours / base:.2f}x the match)")


if __name__ == "__main__":
    main()

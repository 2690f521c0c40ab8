"""What CDEvents support costs ingest's Python side (no database): for a request of N events,
decode + validate (the baseline, what ingest did before) against decode + validate + the
mapping layer (map_all, flatten, answer), interleaved round by round in the same run.

Two workloads: N catalog events (the mapping layer must cost them next to nothing) and N
bare CDEvents `service.deployed` (validated by their model and mapped onto a deployment).

    uv run python bench/cdevents_mapping.py [--events 1000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from pts.config import get_settings
from pts.usecases import mapped
from pts.usecases.cdevents import derive
from pts.usecases.ingest import Accepted, validate_all
from pts.usecases.plain import decode_request

OCI = "pkg:oci/api@sha256%3A" + "a" * 64 + "?repository_url=registry.local/team/api&tag=1.4.2"


def catalog(n: int) -> bytes:
    return json.dumps([{"type": "deployment.started", "id": f"e{i}", "source": "/ci",
                        "deployment_id": f"d{i}", "service": "api", "environment": "prod",
                        "version": "1.0"} for i in range(n)]).encode()


def cdevents(n: int) -> bytes:
    return json.dumps([{"context": {"specversion": "0.5.1", "id": f"c{i}", "source": "/tekton",
                                    "type": "dev.cdevents.service.deployed.0.3.0",
                                    "timestamp": "2026-11-02T09:14:31Z"},
                        "subject": {"id": "api", "content": {"environment": {"id": "prod"},
                                                             "artifactId": OCI}}}
                       for i in range(n)]).encode()


def baseline(body: bytes, settings) -> int:
    return len(validate_all(decode_request({"Content-Type": "application/json"}, body,
                                           settings), settings))


def with_mapping(body: bytes, settings) -> int:
    envelopes = validate_all(decode_request({"Content-Type": "application/json"}, body,
                                            settings), settings)
    posted = mapped.map_all(envelopes, derive)
    flat = mapped.flatten(posted)
    accepted = [Accepted(e.source, e.id, i, False) for i, e in enumerate(flat)]
    return len(mapped.answer(posted, accepted))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    settings = get_settings(max_batch_events=args.events)
    for name, body in (("catalog events", catalog(args.events)),
                       ("CDEvents", cdevents(args.events))):
        times: dict[str, list[float]] = {"baseline": [], "mapping": []}
        for _ in range(args.rounds):
            for label, fn in (("baseline", baseline), ("mapping", with_mapping)):
                start = time.perf_counter()
                fn(body, settings)
                times[label].append(time.perf_counter() - start)
        base, mine = (statistics.median(times[k]) for k in ("baseline", "mapping"))
        print(f"{name}: baseline {args.events / base:,.0f} events/s, with mapping "
              f"{args.events / mine:,.0f} events/s, ratio x{base / mine:.2f}")


if __name__ == "__main__":
    main()

"""What access control costs ingest: single-event POSTs through the real ingest function
(authorize + source check + data limits) against a baseline, the same entry point without
them, measured in the same run on the same database.

    uv run python bench/auth_overhead.py [--requests 2000]

Uses DATABASE_URL when set, else a throwaway embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = '''
import functions_framework
from pts.config import get_settings
from pts.db.pool import get_pool
from pts.usecases.plain import decode_request
from pts.http.guard import guarded, read_body, require_method
from pts.http.problem import json_response
from pts.usecases import ingest as ingest_service
from pts.usecases.wiring import ingest_hooks

@functions_framework.http
@guarded
def ingest_baseline(request):
    require_method(request, "POST")
    settings = get_settings()
    raws = decode_request(request.headers, read_body(request, settings.max_body_bytes), settings)
    envelopes = ingest_service.validate_all(raws, settings)
    accepted = ingest_service.ingest(get_pool(settings), envelopes, **ingest_hooks(settings))
    return json_response({"accepted": len(accepted),
                          "events": [a.as_json() for a in accepted]}, status=202)
'''


def _database() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pts.db.embedded import ensure_embedded

        return ensure_embedded(Path(tempfile.mkdtemp(prefix="pts-bench-")))


def _run(client, n: int, tag: str, headers: dict) -> float:
    body = {"type": "deployment.started", "service": "api", "environment": "prod",
            "version": "1", "source": "/bench/x"}
    start = time.perf_counter()
    for i in range(n):
        resp = client.post("/", data=json.dumps({**body, "deployment_id": f"{tag}-{i}",
                                                 "id": f"{tag}-{i}"}),
                           headers={"Content-Type": "application/json", **headers})
        assert resp.status_code == 202, resp.get_data(as_text=True)
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = _database()
    from functions_framework import create_app

    from pts.auth import store
    from pts.db.pool import get_pool

    token, _ = store.create(get_pool(), f"bench-{time.time_ns()}", ["ingest"], "/bench/")
    src = Path(tempfile.mkdtemp()) / "main.py"
    src.write_text(BASELINE)
    baseline = create_app("ingest_baseline", str(src)).test_client()
    real = create_app("ingest", str(ROOT / "functions" / "ingest" / "main.py")).test_client()
    auth = {"Authorization": f"Bearer {token}"}
    _run(baseline, 200, "warm-b", {})
    _run(real, 200, "warm-r", auth)
    rounds = 5  # interleaved, so that drift of a shared machine hits both alike
    for interval in ("60", "0"):
        os.environ["PTS_AUDIT_INTERVAL_SECONDS"] = interval
        base = with_auth = 0.0
        for r in range(rounds):
            base += _run(baseline, args.requests // rounds, f"b{interval}-{r}", {}) / rounds
            with_auth += _run(real, args.requests // rounds, f"r{interval}-{r}", auth) / rounds
        print(f"audit interval {interval:>2}s: baseline {base:7.0f} req/s, with access control "
              f"{with_auth:7.0f} req/s, ratio {with_auth / base:.2f}")


if __name__ == "__main__":
    main()

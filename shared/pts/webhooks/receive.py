"""Receiving one webhook delivery: find the integration, authenticate the delivery before
reading it, decode it, adapt it, and store the payload as sent with the catalog events it
maps onto, in one transaction (the same path as ingest: outbox, emission after commit)."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs

import flask

from pts.config import Settings, get_settings
from pts.db.pool import get_pool
from pts.domain.envelope import Envelope, validate_event
from pts.domain.errors import Invalid, NotFound
from pts.http.guard import read_body, require_method
from pts.http.jsonbody import is_json_media, media_type, parse_json
from pts.http.limits import check_event_data
from pts.http.problem import Problem, json_response
from pts.usecases import ingest as ingest_service
from pts.usecases import mapped
from pts.usecases.wiring import ingest_hooks
from pts.webhooks import argocd, flux, github, gitlab, harbor, registry, store
from pts.webhooks.adapt import Adapted
from pts.webhooks.verify import authenticate

ADAPTERS = {"github": github.adapt, "gitlab": gitlab.adapt, "argocd": argocd.adapt,
            "flux": flux.adapt, "harbor": harbor.adapt, "registry": registry.adapt}
FORM = "application/x-www-form-urlencoded"
# The type a delivery is stored under when its payload is not the shape its adapter reads.
FALLBACK_TYPE = {"github": "com.github.", "gitlab": "com.gitlab.unknown",
                 "argocd": "io.argoproj.argocd.unknown", "flux": "io.fluxcd.unknown",
                 "harbor": "io.goharbor.unknown", "registry": "org.cncf.distribution.events"}


def adapt(kind: str, headers: dict[str, str], payload: dict, settings: Settings) -> Adapted:
    """The adapter's reading of an authenticated payload. A payload of another shape than
    the producer documents is still kept (acknowledged, stored, not projected): it is
    authentic, and a 4xx would only make the producer retry it."""
    try:
        return ADAPTERS[kind](headers, payload, settings)
    except (AttributeError, TypeError, KeyError, ValueError, IndexError):
        type_ = FALLBACK_TYPE[kind]
        if type_.endswith("."):
            type_ += headers.get("x-github-event") or "unknown"
        delivery = headers.get("x-github-delivery") if kind == "github" else None
        return Adapted(type_, delivery_id=delivery,
                       note=f"the payload is not the shape PTS reads from {kind}")


def decode(headers: dict[str, str], body: bytes, kind: str, settings: Settings) -> dict:
    """The payload: a JSON object, or GitHub's form-encoded `payload=<JSON>`."""
    content_type = headers.get("content-type")
    if media_type(content_type) == FORM and kind == "github":
        try:
            form = parse_qs(body.decode("utf-8"), strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            raise Problem(400, "the form-encoded body is malformed") from None
        if len(form.get("payload", [])) != 1:
            raise Problem(400, "a form-encoded GitHub delivery has one `payload` field")
        doc = parse_json(form["payload"][0].encode(), settings)
    elif not content_type or is_json_media(content_type):
        doc = parse_json(body, settings)
    else:
        raise Problem(415, f"unsupported content type {content_type!r}: send JSON"
                      + (" or application/x-www-form-urlencoded" if kind == "github" else ""))
    if not isinstance(doc, dict):
        raise Problem(400, "the payload is not a JSON object")
    return doc


def original(adapted: Adapted, source: str, body: bytes, payload: dict,
             settings: Settings) -> Envelope:
    """The delivery as a CloudEvent of the producer's type, its payload as data (within
    ingest's limits: what PostgreSQL cannot store is a 4xx, never a 500)."""
    raw = {"specversion": "1.0", "source": source, "type": adapted.type, "data": payload,
           "id": adapted.delivery_id or "sha256:" + hashlib.sha256(body).hexdigest(),
           "datacontenttype": "application/json", "subject": adapted.subject,
           "time": adapted.time}
    raw = {k: v for k, v in raw.items() if v is not None}
    check_event_data([raw], settings)
    result = validate_event(raw, foreign_types=(adapted.type,))
    if not isinstance(result, Envelope):
        raise Invalid("the delivery cannot be stored as an event",
                      errors=[{"field": e.field, "message": e.message} for e in result])
    return result


def handle(request: flask.Request) -> flask.Response:
    """Answer one POST to /function/webhooks/<integration name> (202 with what was stored)."""
    require_method(request, "POST")
    name = request.path.strip("/")
    if not name or "/" in name:
        raise Problem(404, "post to /function/webhooks/<integration name> "
                      "(pts webhook create NAME --kind KIND)")
    settings = get_settings()
    headers = {k.lower(): v for k, v in request.headers.items()}
    body = read_body(request, settings.max_body_bytes)
    return json_response(receive(name, headers, body, settings, request.remote_addr), status=202)


def receive(name: str, headers: dict[str, str], body: bytes, settings: Settings,
            remote: str | None = None) -> dict:
    """Store one delivery; the answer's body. `headers` has lower-case names."""
    pool = get_pool(settings)
    creds = store.lookup(pool, name)
    if creds is None:
        raise NotFound(f"no webhook integration named {name!r} (pts webhook list)")
    authenticate(creds, headers, body, remote)
    integration = creds.integration
    payload = decode(headers, body, integration.kind, settings)
    adapted = adapt(integration.kind, headers, payload, settings)
    env = original(adapted, integration.source_prefix + adapted.subpath, body, payload,
                   settings)
    posted = mapped.map_all(
        [env], lambda e: [mapped.derived(e, m.type, m.data, i, m.time)
                          for i, m in enumerate(adapted.mapped)], strict=False)
    hooks = ingest_hooks(settings)
    hooks["in_transaction"] = [*hooks["in_transaction"],
                               lambda conn, stored: store.touch(conn, integration.id)]
    accepted = ingest_service.ingest(pool, mapped.flatten(posted), **hooks)
    answer = {"integration": integration.name, "kind": integration.kind,
              **mapped.answer(posted, accepted)[0]}
    note = adapted.note or "; ".join(posted[0].dropped) or None
    if not posted[0].mapped:
        answer["note"] = (note or "not mapped") + ": stored, not projected"
    return answer

"""Authenticating a delivery the way its producer can:

- github: `X-Hub-Signature-256: sha256=<HMAC-SHA256(secret, body), hex>`;
- flux (generic-hmac): `X-Signature: <sha1|sha256|sha384|sha512>=<HMAC, hex>`, or a bearer
  token for the plain `generic` provider (headers set from its Secret);
- gitlab: `X-Gitlab-Token: <secret>`;
- argocd, harbor, registry: `Authorization: Bearer <secret>`.

Every comparison is constant-time. A failure is a 401 and nothing is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping

from pts.auth import audit
from pts.auth.tokens import hash_token, same_hash
from pts.http.problem import Problem
from pts.webhooks.store import Credentials

_BEARER = re.compile(r"^[Bb]earer +(\S+) *$")
_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384,
               "sha512": hashlib.sha512}


def _refuse(detail: str) -> Problem:
    return Problem(401, detail, headers={"WWW-Authenticate": 'Bearer realm="pts-webhooks"'})


def _signature_ok(secret: str, body: bytes, header: str | None, allowed: tuple[str, ...]) -> bool:
    if not header or "=" not in header:
        return False
    algorithm, _, given = header.strip().partition("=")
    digest = _ALGORITHMS.get(algorithm.lower())
    if algorithm.lower() not in allowed or digest is None:
        return False
    expected = hmac.new(secret.encode(), body, digest).hexdigest()
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())


def _secret_ok(creds: Credentials, given: str | None) -> bool:
    return given is not None and given != "" and same_hash(hash_token(given), creds.secret_hash)


def _bearer(headers: Mapping[str, str]) -> str | None:
    match = _BEARER.match(headers.get("authorization", ""))
    return match.group(1) if match else None


def authenticate(creds: Credentials, headers: Mapping[str, str], body: bytes,
                 remote: str | None = None) -> None:
    """Nothing when the delivery proves it knows the integration's secret; else Problem 401,
    counted and logged like any failed authentication (never with a secret).
    `headers` has lower-case names."""
    try:
        _check(creds, headers, body)
    except Problem:
        audit.failed(f"webhook {creds.integration.name!r} ({creds.integration.kind})",
                     "webhooks", remote)
        raise


def _check(creds: Credentials, headers: Mapping[str, str], body: bytes) -> None:
    kind = creds.integration.kind
    if kind == "github":
        if not _signature_ok(creds.secret or "", body, headers.get("x-hub-signature-256"),
                             ("sha256",)):
            raise _refuse("missing or bad X-Hub-Signature-256: set the webhook's secret to "
                          "the one `pts webhook create` printed")
    elif kind == "flux":
        signed = headers.get("x-signature")
        if signed is not None:
            if not _signature_ok(creds.secret or "", body, signed, tuple(_ALGORITHMS)):
                raise _refuse("bad X-Signature (generic-hmac): the Provider's secret must hold "
                              "the integration's secret as `token`")
        elif not _secret_ok(creds, _bearer(headers)):
            raise _refuse("send X-Signature (Provider type generic-hmac) or "
                          "Authorization: Bearer <secret>")
    elif kind == "gitlab":
        if not _secret_ok(creds, headers.get("x-gitlab-token")):
            raise _refuse("missing or bad X-Gitlab-Token: set the webhook's secret token")
    elif not _secret_ok(creds, _bearer(headers)):
        raise _refuse("send Authorization: Bearer <the integration's secret>")

"""Response models of the admin API, the tables' declarations giving their fields
(pts.http.answers.columns_of); a dead letter is the search API's `DeadLetter`."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from pts.auth.models import ApiToken
from pts.http.answers import Answer, answer, columns_of
from pts.usecases.deadletter_model import DeadLetter
from pts.webhooks.models import WebhookIntegration

TOKEN = columns_of(ApiToken, ("id", "name", "scopes", "source_prefix", "created_at",
                              "last_used_at", "last_used_by", "revoked_at"))
WEBHOOK = {**columns_of(WebhookIntegration, ("id", "name", "kind")),
           "url": (str, Field(description="Where the producer posts, below this installation's "
                              "base URL.")),
           **columns_of(WebhookIntegration, ("source_prefix", "created_at", "last_used_at",
                                             "revoked_at"))}
Whoami = answer("Whoami", "The calling token.", columns_of(ApiToken, ("name", "scopes",
                                                                     "source_prefix")))
Token = answer("Token", "A token (never its secret).", TOKEN)
TokenList = answer("TokenList", "Live tokens.", {"tokens": (list[Token], Field())})  # type: ignore[valid-type]
CreatedToken = answer("CreatedToken", "A new token and, this once, its secret.", {
    "token": (str, Field(description="The bearer token: shown this once.")), **TOKEN})
Webhook = answer("Webhook", "A webhook integration (never its secret).", WEBHOOK)
WebhookList = answer("WebhookList", "Live webhook integrations.", {
    "webhooks": (list[Webhook], Field())})  # type: ignore[valid-type]
CreatedWebhook = answer("CreatedWebhook", "A new webhook integration and, this once, its "
                        "secret.", {**WEBHOOK, "secret": (str, Field())})


class Status(Answer):
    """What `pts status` prints (pts.usecases.status.report), as JSON."""

    model_config = {"extra": "allow"}
    versions: dict[str, Any]
    migration: dict[str, Any]


__all__ = ["CreatedToken", "CreatedWebhook", "DeadLetter", "Status", "Token", "TokenList",
           "Webhook", "WebhookList", "Whoami"]

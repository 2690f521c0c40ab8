"""A dead letter as every API shows it (pts.usecases.deadletter_care.as_json makes it): the
search API's list items, the admin API's answers. Its fields come from the table's model."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pts.db.eventing import DeadLetter as DeadLetterTable
from pts.http.answers import answer, columns_of
from pts.usecases.deadletters import COLUMNS

State = Literal["open", "redriven", "discarded"]
DeadLetter = answer("DeadLetter", "An event the broker dead-lettered, and its redrives.", {
    **columns_of(DeadLetterTable, [c.strip() for c in COLUMNS.split(",")], descriptions={
        "event": "The event as delivered.",
        "error_dest": "The subscriber that refused it.",
        "error_trigger": "The trigger whose delivery failed, when the broker named it.",
        "failures": "Times it was dead-lettered (a redrive that fails again reopens the same "
                    "letter)."}),
    "reason": (str | None, Field(description="error_data (base64) decoded, when it is text: "
                                 "what the subscriber answered.")),
    "state": (State, Field())})

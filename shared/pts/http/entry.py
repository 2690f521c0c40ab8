"""The type of a function's HTTP entry point, as functions-framework calls it."""

from __future__ import annotations

from collections.abc import Callable

import flask
from flask.typing import ResponseReturnValue

Entry = Callable[[flask.Request], ResponseReturnValue]
"""An entry point: the request in, anything Flask can make a response of out."""

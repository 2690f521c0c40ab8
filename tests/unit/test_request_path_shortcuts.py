"""The ingest request path's shortcuts give exactly what they replace: the headers read from
the environ (werkzeug's EnvironHeaders), the canonical text of the content hash
(jsonnum.dumps), and the log line's time text (logging's own)."""

from __future__ import annotations

import logging
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import EnvironHeaders

from pts.cloudevents.event import canonical_text
from pts.cloudevents.modes import lowered
from pts.domain.jsonnum import dumps
from pts.http.headers import environ_headers
from pts.logs import TextFormatter

_KEYS = st.sampled_from(["HTTP_HOST", "HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH", "CONTENT_TYPE",
                         "CONTENT_LENGTH", "HTTP_CE_SPECVERSION", "HTTP_X_A_B", "HTTP_",
                         "REQUEST_METHOD", "wsgi.input", "HTTP_ÀB", "HTTP_X__Y"])


@given(st.dictionaries(_KEYS, st.sampled_from(["", "x", "application/json", "1.0"])))
def test_headers_from_the_environ_are_werkzeugs(environ):
    assert environ_headers(dict(environ)) == list(EnvironHeaders(dict(environ)).items())
    assert lowered(EnvironHeaders(dict(environ))) == {
        k.lower(): v for k, v in EnvironHeaders(dict(environ)).items()}


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.decimals(allow_nan=False, allow_infinity=False).map(Decimal) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12)


@given(_JSON)
def test_canonical_text_is_jsonnums(doc):
    assert canonical_text(doc) == dumps(doc, sort_keys=True, separators=(",", ":"))


@given(st.floats(min_value=0, max_value=4e9))
def test_the_log_lines_time_is_loggings(created):
    record = logging.LogRecord("pts", logging.INFO, __file__, 0, "m", (), None)
    record.created, record.msecs = created, int((created - int(created)) * 1000) + 0.0
    plain = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    ours = TextFormatter()
    assert ours.formatTime(record) == plain.formatTime(record) == ours.formatTime(record)

"""Where a buffered request ends (pts.runtime.reqbuf), byte by byte or all at once."""

from __future__ import annotations

import pytest

from pts.runtime.reqbuf import (
    BODY_TOO_LARGE,
    COMPLETE,
    CONTINUE,
    HEADERS_TOO_LARGE,
    MORE,
    RequestBuffer,
)

GET = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
POST = b"POST /f HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
CHUNKED = (b"POST /f HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"5;ext=1\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n")
TRAILERS = CHUNKED[:-2] + b"X-Trailer: 1\r\n\r\n"


def states(request: bytes, step: int, **kw) -> list:
    buf = RequestBuffer(kw.get("max_header", 8192), kw.get("max_body", 1024))
    return [buf.feed(request[i:i + step]) for i in range(0, len(request), step)]


@pytest.mark.parametrize("request_", [GET, POST, CHUNKED, TRAILERS])
@pytest.mark.parametrize("step", [1, 3, 1000])
def test_complete_only_at_the_last_byte(request_, step):
    seen = states(request_, step)
    assert seen[-1] == COMPLETE
    assert set(seen[:-1]) <= {MORE}


def test_expect_100_continue_is_asked_for_once():
    head = b"POST /f HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"
    buf = RequestBuffer(8192, 1024)
    assert buf.feed(head) == CONTINUE
    assert buf.feed(b"ab") == MORE
    assert buf.feed(b"cd") == COMPLETE


@pytest.mark.parametrize("request_, expected", [
    (b"GET / HTTP/1.1\r\n" + b"X: " + b"a" * 9000, HEADERS_TOO_LARGE),
    (b"POST / HTTP/1.1\r\nContent-Length: 4096\r\n\r\n", BODY_TOO_LARGE),
    # Malformed framing goes to gunicorn's parser at once, which answers 400.
    (b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", COMPLETE),
    (b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", COMPLETE),
    (b"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", COMPLETE),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", COMPLETE),
])
def test_limits_and_malformed_framing(request_, expected):
    assert states(request_, len(request_))[-1] == expected


def test_a_chunked_body_over_the_limit_is_refused():
    chunk = b"400\r\n" + b"a" * 1024 + b"\r\n"
    buf = RequestBuffer(8192, 1024)
    buf.feed(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
    results = [buf.feed(chunk) for _ in range(100)]
    assert BODY_TOO_LARGE in results

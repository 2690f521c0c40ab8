import pytest

from pts.http.jsonbody import _depth


@pytest.mark.parametrize("text, depth", [
    ("1", 0), ("[]", 1), ('{"a": [1, {"b": []}]}', 4), ("[" * 50 + "]" * 50, 50),
    ('["[[[", "{{"]', 1),             # brackets inside strings do not count
    ('["a\\"[[", {}]', 2),            # nor after an escaped quote
    ('["\\\\", [[]]]', 3),            # an escaped backslash ends before the quote
    ('["unterminated [[[[', 1),       # an unterminated string runs to the end
    ('["a\\', 1),                     # even with a lone backslash last
    ("[]]][[", 1),
])
def test_depth(text, depth):
    assert _depth(text) == depth

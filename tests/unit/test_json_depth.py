import json
import random

import pytest

from pts.http.jsonbody import _deeper, _depth


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


def _nested(rng: random.Random, level: int):
    roll = rng.random()
    if level > 40 or roll < 0.3:
        return rng.choice([1, "a[{", None, '\\"]'])
    if roll < 0.65:
        return [_nested(rng, level + 1) for _ in range(rng.randint(0, 3))]
    return {f"{i}{{": _nested(rng, level + 1) for i in range(rng.randint(0, 3))}


def test_the_parsed_count_agrees_with_the_text_count():
    # Ingest counts a body's depth on its parsed values; what it refuses must not change.
    rng = random.Random(7)
    for _ in range(2000):
        doc = _nested(rng, 0)
        for limit in (2, 3, 5, 10, 32):
            assert _deeper(doc, limit) == (_depth(json.dumps(doc)) > limit)

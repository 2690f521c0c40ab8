"""Settings are built once per process and reset on purpose (pts up, the tests' fixtures)."""

from pts.config import get_settings, reset_settings


def test_built_once_and_rebuilt_after_a_reset(monkeypatch):
    first = get_settings()
    assert get_settings() is first
    monkeypatch.setenv("PTS_MAX_BATCH_EVENTS", "7")  # the fixture's setenv resets them
    assert get_settings() is not first and get_settings().max_batch_events == 7
    again = get_settings()
    reset_settings()
    assert get_settings() is not again


def test_overrides_build_a_separate_object():
    cached = get_settings()
    assert get_settings(max_batch_events=3).max_batch_events == 3
    assert get_settings() is cached and cached.max_batch_events != 3

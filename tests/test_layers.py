"""Who may import whom (docs/ARCHITECTURE.md), read from the source with `ast`.

- `analysis` and `instruments` are libraries: they never import `survey_app` or Flask.
- Each blueprint is one kind of user's pages; what two blueprints share lives below them
  (survey_app.reporting, services, web), so no blueprint imports another.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINTS = ("public", "auth", "staff", "admin", "exports", "periodic_report", "api")
WEB_FREE = ("analysis", "instruments")
WEB = ("survey_app", "flask", "flask_babel", "flask_login", "flask_wtf", "werkzeug")


def imported_modules(path: Path) -> set[str]:
    """Absolute names of every module `path` imports, at any depth (lazy imports too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def _files(package: str) -> list[Path]:
    return sorted((ROOT / package.replace(".", "/")).rglob("*.py"))


def _top(name: str, depth: int) -> str:
    return ".".join(name.split(".")[:depth])


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_no_blueprint_imports_another(blueprint):
    others = {f"survey_app.{b}" for b in BLUEPRINTS if b != blueprint}
    found = sorted(f"{path.relative_to(ROOT)} imports {name}"
                   for path in _files(f"survey_app.{blueprint}")
                   for name in imported_modules(path) if _top(name, 2) in others)
    assert found == []


@pytest.mark.parametrize("package", WEB_FREE)
def test_libraries_do_not_import_the_web_app(package):
    found = sorted(f"{path.relative_to(ROOT)} imports {name}"
                   for path in _files(package)
                   for name in imported_modules(path) if _top(name, 1) in WEB)
    assert found == []


def test_the_check_sees_every_kind_of_import(tmp_path, monkeypatch):
    """The scan above is live: plain, from, relative and function-level imports count."""
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    source = tmp_path / "survey_app" / "exports" / "routes.py"
    source.parent.mkdir(parents=True)
    source.write_text("import survey_app.staff.routes\nfrom ..public import results\n"
                      "def f():\n    from survey_app.api import bp\n")
    names = imported_modules(source)
    assert {"survey_app.staff.routes", "survey_app.public.results", "survey_app.api.bp"} <= names

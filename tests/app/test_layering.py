"""The layers keep to their jobs: app/ imports no Qt, ui/ never calls boto3 itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imports(folder: str) -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [(path.name, alias.name.split(".")[0]) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((path.name, node.module.split(".")[0]))
    return found


@pytest.mark.parametrize(("folder", "forbidden"), [
    ("app", {"PySide6", "shiboken6", "qasync", "ui"}),
    ("ui", {"boto3", "botocore"}),
])
def test_a_layer_does_not_import_what_belongs_to_another(folder, forbidden):
    imports = _imports(folder)
    assert len(imports) > 10  # the scan did read the package
    offenders = [(f, m) for f, m in imports if m in forbidden]
    assert offenders == []

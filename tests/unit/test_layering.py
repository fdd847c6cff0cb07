"""The package's layers import downwards only: blocks < components < models; config below models and bin."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import toolkit

PACKAGE = Path(toolkit.__file__).parent

#: layer (a sub-package or module of ``toolkit``) -> packages it must never import, even lazily.
FORBIDDEN = {
    "blocks": ("toolkit.components", "toolkit.models", "toolkit.bin", "toolkit.train"),
    "components": ("toolkit.models", "toolkit.bin", "toolkit.train"),
    "models": ("toolkit.bin", "toolkit.train"),
    "config.py": ("toolkit.bin", "toolkit.models", "toolkit.components"),
    "config_schema.py": ("toolkit.bin", "toolkit.models", "toolkit.components"),
    "audition": ("toolkit.bin", "toolkit.train"),
}


def imported_modules(path: Path) -> set[str]:
    """Every module named by an import statement anywhere in ``path`` (function-level imports included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def layer_files(layer: str) -> list[Path]:
    target = PACKAGE / layer
    return [target] if target.is_file() else sorted(target.rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_downwards(layer):
    files = layer_files(layer)
    assert files, f"layer {layer} is missing"
    upward = [
        f"{path.relative_to(PACKAGE.parent)} imports {module}"
        for path in files
        for module in sorted(imported_modules(path))
        if any(module == banned or module.startswith(banned + ".") for banned in FORBIDDEN[layer])
    ]
    assert upward == []


def test_imported_modules_sees_lazy_imports(tmp_path):
    source = tmp_path / "lazy.py"
    source.write_text("def f():\n    from toolkit.bin.app import fail\n    import toolkit.models.builder\n")
    assert imported_modules(source) == {"toolkit.bin.app", "toolkit.models.builder"}

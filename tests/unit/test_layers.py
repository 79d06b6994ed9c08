"""The package's shape holds: layers import only downwards, folders form no cycle, one place picks the provider."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

from tests.support.paths import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "smnb_app"
# Bottom to top: a module may import from its own layer or the ones before it.
LAYERS = ["config", "system", "db", "auth", "net", "services", "providers", "web", "smnb_app"]
# Inside web/, bottom to top; features on one rank never import each other.
WEB_LAYERS = [{"shared"}, {"live"}, {"signin"}, {"guard"}, {"account", "sessions"}, {"shell"}, {""}]
REFLEX_FREE = {"config", "system", "db", "auth", "net", "services"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def _imports(path: Path, known: dict[str, Path]) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                yield submodule if submodule in known else node.module


_PACKAGES = {_module_name(path) for path in PACKAGE.rglob("__init__.py")}


def _folder(module: str) -> str:
    return module if module in _PACKAGES else module.rsplit(".", 1)[0]


def _edges() -> list[tuple[str, str]]:
    known = _modules()
    return [
        (source, target)
        for source, path in known.items()
        for target in _imports(path, known)
        if target.startswith("smnb_app.") and target != source
    ]


def _layer(module: str) -> str:
    parts = module.split(".")
    return "smnb_app" if module == "smnb_app.smnb_app" else parts[1] if len(parts) > 1 else "smnb_app"


def _web_rank(module: str) -> tuple[int, str]:
    parts = module.split(".")
    feature = parts[2] if len(parts) > 3 or (len(parts) == 3 and module in _PACKAGES) else ""
    return next(rank for rank, names in enumerate(WEB_LAYERS) if feature in names), feature


def test_every_import_goes_down_the_layers() -> None:
    upward = [
        f"{source} -> {target}"
        for source, target in _edges()
        if LAYERS.index(_layer(target)) > LAYERS.index(_layer(source))
    ]
    assert upward == []


def test_web_features_import_only_shared_parts_and_the_features_below_them() -> None:
    upward = []
    for source, target in _edges():
        if _layer(source) == "web" == _layer(target):
            (source_rank, source_feature), (target_rank, target_feature) = _web_rank(source), _web_rank(target)
            if target_rank > source_rank or (target_rank == source_rank and target_feature != source_feature):
                upward.append(f"{source} -> {target}")
    assert upward == []


def test_no_two_folders_import_each_other_even_through_others() -> None:
    graph: dict[str, set[str]] = {}
    for source, target in _edges():
        a, b = _folder(source), _folder(target)
        if a != b and not b.startswith(a + ".") and not a.startswith(b + "."):
            graph.setdefault(a, set()).add(b)
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as cycle:
        pytest.fail(f"folders import each other: {' -> '.join(cycle.args[1])}")


@pytest.mark.parametrize("layer", sorted(REFLEX_FREE))
def test_the_core_layers_never_import_reflex(layer: str) -> None:
    reflexive = [
        f"{_module_name(path)} imports {name}"
        for path in (PACKAGE / layer).rglob("*.py")
        for name in _imports(path, {})
        if name.split(".")[0] in {"reflex", "reflex_base"}
    ]
    assert reflexive == []


def test_only_the_providers_package_compares_the_configured_provider() -> None:
    comparisons = []
    for path in [*PACKAGE.rglob("*.py"), PROJECT_ROOT / "rxconfig.py"]:
        if "providers" in path.relative_to(PROJECT_ROOT).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Compare):
                names = [n for n in [node.left, *node.comparators] if isinstance(n, ast.Attribute)]
                if any(n.attr == "auth_provider" for n in names):
                    comparisons.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
    assert comparisons == []

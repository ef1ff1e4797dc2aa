"""The house's layers (DESIGN.md, issue 16): every import runs down, none in a circle.

Read from the code, with no app imported: every `import` of the project's own
modules (at the top of a module or inside a function alike), tests and migrations
left out.
"""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# Bottom first. An app may import the apps of the layers below its own only: shop
# and faceauth never import each other, nor anything above them.
LAYERS = (
    ("core",),
    ("accounts",),
    ("shop", "faceauth"),
    ("payments",),
    ("webhooks",),
    ("merchant",),
    ("api",),
    ("ops",),
    ("config",),
)
LAYER_OF = {app: depth for depth, apps in enumerate(LAYERS) for app in apps}


def _modules() -> dict[str, Path]:
    modules = {}
    for app in LAYER_OF:
        for path in (ROOT / app).rglob("*.py"):
            if {"tests", "migrations"} & set(path.parts):
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _imports(name: str, path: Path, modules: dict) -> set[str]:
    """The project modules `name` imports (the nearest known module of each)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_reader_sees_the_imports_it_must():
    graph = _graph()

    assert "core.transitions" in graph["shop.services.orders"]
    assert "shop.models" in graph["payments.services"]  # an absolute import
    assert "shop.catalogue_cache" in graph["shop.models"]  # a relative one
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [
        ["a", "b", "c"]
    ]


def test_no_module_imports_itself_back_through_others():
    assert _cycles(_graph()) == []


def test_every_import_between_apps_runs_down_the_layers():
    upward = sorted(
        f"{name} imports {target}"
        for name, targets in _graph().items()
        for target in targets
        if (app := name.split(".")[0]) != (other := target.split(".")[0])
        and LAYER_OF[other] >= LAYER_OF[app]
    )

    assert upward == []

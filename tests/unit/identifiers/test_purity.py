"""The identifier package must stay importable by every layer: stdlib and stdnum only, no I/O."""

import ast
import sys
from importlib import resources

import pytest

SOURCES = sorted(p for p in resources.files("registry.domain.identifiers").iterdir() if p.name.endswith(".py"))


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_imports_only_stdlib_stdnum_and_siblings(source):
    tree = ast.parse(source.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            roots = [(node.module or "").split(".")[0]]
        else:
            continue
        for root in roots:
            assert root in sys.stdlib_module_names or root == "stdnum", f"{source.name} imports {root}"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_no_direct_file_or_network_access(source):
    tree = ast.parse(source.read_text(encoding="utf-8"))
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert not calls & {"open", "exec", "eval", "__import__"}
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom) for a in n.names}
    assert not imported & {"socket", "urllib", "http", "requests", "os", "subprocess", "pathlib"}


def test_modules_stay_small():
    for source in SOURCES:
        assert len(source.read_text(encoding="utf-8").splitlines()) <= 160, source.name

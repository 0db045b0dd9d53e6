"""DESIGN section 2: what may import what, checked on every run (import-linter)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    result = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_wire_vocabulary_literals_match_tables() -> None:
    """The Literal types that validate the wire and the Chinese-name tables list the same codes."""
    from typing import get_args

    from registry.domain import vocabulary as v

    assert set(get_args(v.Industry)) == set(v.INDUSTRIES)
    assert set(get_args(v.Scale)) == set(v.SCALES)
    assert set(get_args(v.PersonRoleCode)) == set(v.PERSON_ROLES)
    assert set(get_args(v.AgencyKind)) == set(v.AGENCY_KINDS)
    assert set(get_args(v.EnterpriseStatus)) == set(v.ENTERPRISE_STATUSES)
    # DESIGN section 6 fixes these wire values
    assert {
        "metallurgy",
        "nonferrous",
        "building_materials",
        "machinery",
        "light_industry",
        "textile",
        "tobacco",
        "commerce",
    } == set(v.TRADE_INDUSTRIES)
    assert set(get_args(v.Scale)) == {"above_scale", "below_scale", "micro"}
    assert set(get_args(v.DepartmentCode)) == {
        "ndrc",
        "pbc",
        "mem",
        "civilization_office",
        "most",
        "mof",
        "mohrss",
        "mnr",
        "mee",
        "mohurd",
        "sasac",
        "customs",
        "sta",
        "samr",
        "nfra",
        "csrc",
    }


def test_rules_import_only_the_standard_library_msgspec_and_yaml() -> None:
    """registry/rules is pure (issue step 3): nothing from the rest of registry, no framework, no
    database, no cache, not even dateutil; read from the source so a lazy import counts too."""
    import ast

    allowed = set(sys.stdlib_module_names) | {"msgspec", "yaml"}
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "registry" / "rules").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.ImportFrom):
                names = ["registry.rules"]  # relative: inside the package
            for name in names:
                if name == "registry.rules" or name.startswith("registry.rules."):
                    continue
                if name.split(".")[0] not in allowed:
                    found.setdefault(path.name, set()).add(name)
    assert found == {}

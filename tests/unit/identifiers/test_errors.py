import dataclasses
import pickle
import re
from importlib import resources
from pathlib import Path

import pytest

from registry.domain.identifiers import IdentifierError, IdWarning, show_char


def test_identifier_error_carries_code_and_both_messages():
    err = IdentifierError(
        "uscc.check", "统一社会信用代码校验码错误：应为 B", "USCC check character is wrong: expected B"
    )
    assert isinstance(err, ValueError)
    assert (err.code, err.message_zh, err.message_en) == (
        "uscc.check",
        "统一社会信用代码校验码错误：应为 B",
        "USCC check character is wrong: expected B",
    )
    assert str(err) == "uscc.check: USCC check character is wrong: expected B"


def test_identifier_error_survives_pickling():
    err = pickle.loads(pickle.dumps(IdentifierError("a.b", "中", "en")))
    assert (err.code, err.message_zh, err.message_en) == ("a.b", "中", "en")


def test_identifier_error_downgrades_to_warning():
    assert IdentifierError("a.b", "中", "en").as_warning() == IdWarning("a.b", "中", "en")


def test_id_warning_is_frozen():
    warning = IdWarning("uscc.category", "中", "en")
    with pytest.raises(dataclasses.FrozenInstanceError):
        warning.code = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("char", "shown"),
    [
        ("I", "“I”"),
        ("a", "“a”"),
        ("-", "“-”"),
        (" ", "U+0020"),
        ("\t", "U+0009"),
        ("１", "U+FF11"),
        ("中", "U+4E2D"),
    ],
)
def test_show_char_quotes_printable_ascii_and_escapes_the_rest(char, shown):
    assert show_char(char) == shown


def test_every_error_and_warning_code_is_exercised_by_a_test():
    code_re = re.compile(r'"((?:uscc|org_code|registration_no|resident_id|division)\.[a-z_]+)"')
    package = resources.files("registry.domain.identifiers")
    codes = {c for p in package.iterdir() if p.name.endswith(".py") for c in code_re.findall(p.read_text("utf-8"))}
    here = Path(__file__).parent
    tests = "".join(p.read_text("utf-8") for p in here.glob("test_*.py") if p.name != Path(__file__).name)
    assert len(codes) >= 20
    assert {c for c in codes if f'"{c}"' not in tests} == set()

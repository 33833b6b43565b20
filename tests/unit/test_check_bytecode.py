"""tools/check_bytecode.py: a function package without hash-checked bytecode fails `make validate`."""

import py_compile
import sys
from pathlib import Path

from tools.check_bytecode import bytecode_problems, main

TAG = sys.implementation.cache_tag


def package(tmp_path: Path, mode: py_compile.PycInvalidationMode | None) -> Path:
    root = tmp_path / "SendSmsFunction"
    (root / "send_sms").mkdir(parents=True)
    source = root / "send_sms" / "app.py"
    source.write_text("def handler(event, context):\n    return event\n")
    if mode is not None:
        py_compile.compile(str(source), invalidation_mode=mode)
    return root


def test_hash_checked_bytecode_passes(tmp_path):
    root = package(tmp_path, py_compile.PycInvalidationMode.CHECKED_HASH)
    assert bytecode_problems(root, TAG) == []
    assert main([str(tmp_path), "--tag", TAG]) == 0


def test_missing_bytecode_fails(tmp_path, capsys):
    root = package(tmp_path, None)
    assert bytecode_problems(root, TAG) == [f"send_sms/app.py: no app.{TAG}.pyc"]
    assert main([str(tmp_path), "--tag", TAG]) == 1
    assert "SendSmsFunction: send_sms/app.py: no app" in capsys.readouterr().err


def test_timestamp_bytecode_fails(tmp_path):
    """SAM zips files with a 1980 date: a timestamp-checked .pyc is stale on arrival, so it counts as missing."""
    root = package(tmp_path, py_compile.PycInvalidationMode.TIMESTAMP)
    assert "is not hash-checked" in bytecode_problems(root, TAG)[0]


def test_bytecode_for_another_interpreter_does_not_count(tmp_path):
    root = package(tmp_path, py_compile.PycInvalidationMode.CHECKED_HASH)
    assert bytecode_problems(root, "cpython-399") == ["send_sms/app.py: no app.cpython-399.pyc"]


def test_an_empty_build_directory_fails(tmp_path):
    assert main([str(tmp_path)]) == 1

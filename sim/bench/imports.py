"""Cold-start imports: each handler's import in a fresh interpreter, against bare boto3's, on the code as packaged."""

from __future__ import annotations

import atexit
import compileall
import functools
import os
import py_compile
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from ..local.template import ROOT, load_template, placeholder_environment
from .shape import handler_modules

IMPORT_REPETITIONS = 9  # rounds; each times every handler and boto3 once (import_times)
_IMPORT_TIMER = "import sys, time\nt = time.perf_counter()\n__import__(sys.argv[1])\nprint((time.perf_counter() - t) * 1000)"


@functools.cache
def packaged_code() -> Path:
    """The functions' code as functions/Makefile ships it: a copy, compiled to hash-checked bytecode.

    Timing functions/ itself would time whatever its __pycache__ holds: nothing on a fresh clone, stale files
    after an edit (PYTHONDONTWRITEBYTECODE is set on these machines), i.e. the compiler, not the import.
    """
    target = Path(tempfile.mkdtemp(prefix="bench-functions-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    shutil.copytree(ROOT / "functions", target, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
    compileall.compile_dir(target, quiet=2, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
    return target


def import_env(detailed_tracing: bool = False) -> dict[str, str]:
    """A fresh interpreter's environment for the import timings: the code as packaged (with its bytecode, nothing
    written at run time, as on Lambda's read-only /var/task), the functions' settings as a deployment resolves them
    (each handler validates its own at import), and the deployed default for tracing (no X-Ray SDK) unless asked."""
    return {
        **os.environ,
        **placeholder_environment(load_template(), {}),
        "PYTHONPATH": str(packaged_code()),
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "DETAILED_TRACING": "true" if detailed_tracing else "false",
    }


def import_ms(module: str, repetitions: int = IMPORT_REPETITIONS, detailed_tracing: bool = False) -> float:
    """Median wall time of importing `module` in a fresh interpreter (import_times)."""
    return import_times([module], repetitions, detailed_tracing)[module]


def import_times(modules: list[str], repetitions: int = IMPORT_REPETITIONS, detailed_tracing: bool = False) -> dict[str, float]:
    """Median wall time of importing each module in a fresh interpreter (the first round untimed: it warms the file cache).

    The modules take turns, round by round, so that the baseline (boto3) and the handlers see the same machine:
    timed one block after another, a quiet minute for boto3 and a busy one for the handlers moved the ratio by
    a third on this shared 2-core machine (1.5x one block, 2.0x the next).
    """
    env = import_env(detailed_tracing)
    times: dict[str, list[float]] = {module: [] for module in modules}
    for round_ in range(repetitions + 1):
        for module in modules:
            command = [sys.executable, "-c", _IMPORT_TIMER, module]
            done = subprocess.run(command, env=env, cwd=packaged_code(), capture_output=True, text=True, check=True)  # noqa: S603
            if round_:
                times[module].append(float(done.stdout.strip()))
    return {module: statistics.median(samples) for module, samples in times.items()}


def heaviest_imports(module: str, top: int = 8) -> dict[str, float]:
    """Where importing `module` spends its time, by top-level package (self times of `python -X importtime`), in ms."""
    env = import_env()
    command = [sys.executable, "-X", "importtime", "-c", f"import {module}"]
    done = subprocess.run(command, env=env, cwd=packaged_code(), capture_output=True, text=True, check=True)  # noqa: S603
    by_package: Counter[str] = Counter()
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        by_package[parts[2].strip().split(".")[0]] += int(parts[0]) / 1000
    return {name: round(ms, 1) for name, ms in by_package.most_common(top)}


def measure_imports(repetitions: int = IMPORT_REPETITIONS, modules: dict[str, str] | None = None) -> dict[str, Any]:
    modules = modules if modules is not None else handler_modules()
    measured = import_times(["boto3", *sorted(set(modules.values()))], repetitions)
    boto3_ms = measured.pop("boto3")
    per_module = measured
    heaviest = max(per_module, key=per_module.__getitem__) if per_module else None
    return {
        "handler_import_ms": per_module | {"boto3": boto3_ms},
        "by_function": {f: per_module[m] for f, m in modules.items()},
        "worst_ratio_vs_boto3": max(per_module.values()) / boto3_ms if per_module else None,
        "heaviest_handler": heaviest,
        "heaviest_handler_imports_ms": heaviest_imports(heaviest) if heaviest else {},
        # The template's DetailedTracing=true (Powertools Tracer, X-Ray SDK): what per-call subsegments cost a cold start.
        "heaviest_handler_with_detailed_tracing_ms": import_ms(heaviest, repetitions, detailed_tracing=True) if heaviest else None,
        "python": sys.version.split()[0],
        "repetitions": repetitions,
    }

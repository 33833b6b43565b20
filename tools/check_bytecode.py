"""After `sam build`: each function's package carries hash-checked bytecode for every module it ships.

functions/Makefile compiles it (why: see there). A package without it still works, only each cold
start compiles everything from source again, so nothing else would notice; `make validate` runs this.

    python tools/check_bytecode.py .aws-sam/build [--tag cpython-313]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

CHECKED_HASH = 0b11  # PEP 552 flags: hash-based, and the source's hash is checked at import


def bytecode_problems(package: Path, tag: str) -> list[str]:
    """Modules in `package` without a hash-checked .pyc for interpreter `tag` (e.g. cpython-313), as messages."""
    problems = []
    for source in sorted(package.rglob("*.py")):
        compiled = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
        if not compiled.is_file():
            problems.append(f"{source.relative_to(package)}: no {compiled.name}")
        elif int.from_bytes(compiled.read_bytes()[4:8], "little") != CHECKED_HASH:
            problems.append(f"{source.relative_to(package)}: {compiled.name} is not hash-checked (a zip's dates would make it stale)")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build_dir", type=Path)
    parser.add_argument("--tag", default="cpython-313", help="the Lambda runtime's cache tag (template.yaml: Runtime)")
    args = parser.parse_args(argv)
    packages = [d for d in sorted(args.build_dir.iterdir()) if d.is_dir() and any(d.glob("*/app.py"))]
    if not packages:
        print(f"{args.build_dir}: no function packages (run sam build first)", file=sys.stderr)
        return 1
    failed = 0
    for package in packages:
        problems = bytecode_problems(package, args.tag)
        failed += bool(problems)
        for problem in problems[:5]:
            print(f"{package.name}: {problem}", file=sys.stderr)
        if len(problems) > 5:
            print(f"{package.name}: ... and {len(problems) - 5} more", file=sys.stderr)
    print(f"bytecode: {len(packages) - failed} of {len(packages)} function packages fully compiled ({args.tag}, hash-checked)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""No secrets in the repository, and every dependency pinned (docs/SECURITY.md).

The secret scan reads every text file git tracks or would track (untracked files that .gitignore
does not exclude), so a key is caught before it is committed. The local harness's credentials
("local"/"local") and moto's account id are not secrets and match none of the patterns.
"""

import re
import subprocess

import pytest

from sim.local.template import ROOT

# An AWS access key id (long-term AKIA, temporary ASIA), a secret access key assigned in config or code,
# a PEM private key of any kind, and other common provider tokens.
SECRET_PATTERNS = {
    "aws access key id": re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b"),
    "aws secret access key": re.compile(r"(?i)aws_?secret_?access_?key\W{0,5}[=:]\W{0,5}[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])"),
    "private key": re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----"),
    "github token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"),
}
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[A-Za-z0-9,._-]+\])?==[0-9][A-Za-z0-9.+!-]*(?:\s+#.*)?$")


def repository_files() -> list[str]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git work tree")
    return [name for name in listed.decode().split("\0") if name]


def secrets_in(text: str) -> list[str]:
    return [kind for kind, pattern in SECRET_PATTERNS.items() if pattern.search(text)]


def test_no_secrets_in_the_repository():
    found = []
    for name in repository_files():
        path = ROOT / name
        if not path.is_file():
            continue  # listed but deleted in the work tree
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary
        found += [(name, kind) for kind in secrets_in(data.decode("utf-8", errors="replace"))]
    assert found == []


def test_the_secret_patterns_catch_what_they_are_for():
    # Built at run time, so that this file itself holds no match.
    key_id = "AKIA" + "Q" * 16
    secret = "aws_secret_access_key = " + "a1B2/c3D4+" * 4
    pem = "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIE..."
    assert secrets_in(f"export AWS_ACCESS_KEY_ID={key_id}") == ["aws access key id"]
    assert secrets_in(secret) == ["aws secret access key"]
    assert secrets_in(pem) == ["private key"]
    assert secrets_in('AWS_ACCESS_KEY_ID="local"  # moto: arn:aws:iam::123456789012:root') == []


@pytest.mark.parametrize("requirements", ["functions/requirements.txt", "requirements-dev.txt"])
def test_every_dependency_is_pinned(requirements):
    unpinned = []
    for line in (ROOT / requirements).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-r "):
            assert (ROOT / requirements).parent.joinpath(line[3:].strip()).is_file(), line
            continue
        if not PIN.match(line):
            unpinned.append(line)
    assert unpinned == []


def test_the_pin_pattern_refuses_ranges_and_bare_names():
    assert PIN.match("moto[dynamodb,s3]==5.2.5")
    assert PIN.match("jsonpath-ng==1.16.0  # Powertools data masking")
    for loose in ("boto3", "boto3>=1.40", "boto3~=1.44", "boto3==1.*", "boto3 == 1.44.5", "git+https://example.invalid/x.git"):
        assert not PIN.match(loose), loose


def test_the_tools_installed_by_the_makefile_are_pinned():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    installs = re.findall(r"pip install [^\n]*", makefile)
    assert installs
    for line in installs:
        words = line.split(">", 1)[0].split()[2:]  # the command's words, before any redirection
        packages = [w for w in words if not w.startswith("-")]
        for package in packages:
            assert package == "requirements-dev.txt" or "==" in package, line

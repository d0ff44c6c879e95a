"""Known vulnerabilities in our dependencies: pip-audit against PyPI's advisory data.

Two audits, because the ranges in requirements.txt allow many versions:

1. **The environment the suite runs in** (`pip-audit --local`): the exact versions
   `dev.py` installed from requirements-dev.txt (which includes requirements.txt), so
   what CI tests is what is audited, development tools included. Chosen over
   `pip-audit -r requirements.txt`, which resolves the same ranges to the same newest
   releases, but inside a throwaway virtual environment that downloads the scientific
   stack again on every run: minutes on CI's two cores for no extra information.
2. **The oldest versions requirements.txt allows**: each `name>=X` becomes the oldest
   release ≥ X on PyPI, audited without resolution (`--no-deps --disable-pip`). That is
   what an install gets where another constraint holds a package back; a vulnerable
   floor means: raise it in requirements.txt to the fixed release.

Both need PyPI (its JSON API and vulnerability data). When it cannot be reached, or
answers that it cannot audit a package, the test is skipped with the reason — unless
SIPAS_REQUIRE_NETWORK=1 (set by .ci/run), where that is a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import InvalidVersion, Version

pytestmark = pytest.mark.slow  # pip-audit over the network

ROOT = Path(__file__).resolve().parents[1]
REQUIRE_NETWORK = os.environ.get("SIPAS_REQUIRE_NETWORK") == "1"
PYPI = "https://pypi.org/pypi"

pytest.importorskip("pip_audit", reason="pip-audit is in requirements-dev.txt")


def unreachable(reason: str) -> None:
    message = f"cannot audit dependencies: {reason}"
    if REQUIRE_NETWORK:
        pytest.fail(message + " (and SIPAS_REQUIRE_NETWORK=1)", pytrace=False)
    pytest.skip("SKIPPED (no vulnerability service): " + message)


def pip_audit(*args: str) -> list[dict]:
    """The dependencies pip-audit reports (JSON), or skip/fail when it could not ask."""
    proc = subprocess.run([sys.executable, "-m", "pip_audit", "--progress-spinner", "off",
                           "--format", "json", "--desc", "off", *args],
                          capture_output=True, text=True, timeout=600, check=False, cwd=ROOT)
    try:
        dependencies = json.loads(proc.stdout)["dependencies"]
    except (json.JSONDecodeError, KeyError):
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        unreachable(f"pip-audit exited {proc.returncode}: {last[:300]}")
    skipped = [d["skip_reason"] for d in dependencies if d.get("skip_reason")]
    if skipped:
        unreachable(f"{len(skipped)} of {len(dependencies)} not audited, e.g. {skipped[0]}")
    return dependencies


def vulnerable(dependencies: list[dict]) -> list[str]:
    return [f"{d['name']} {d['version']}: " + ", ".join(
        f"{v['id']} (fixed in {', '.join(v['fix_versions']) or 'no release yet'})"
        for v in d["vulns"]) for d in dependencies if d.get("vulns")]


def oldest_allowed(requirement: Requirement) -> str | None:
    """The oldest final release on PyPI that `requirement` allows (its floor in practice)."""
    try:
        with urllib.request.urlopen(f"{PYPI}/{requirement.name}/json", timeout=20) as reply:
            releases = json.load(reply)["releases"]
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        unreachable(f"{PYPI}/{requirement.name}/json: {exc}")
    versions = []
    for text, files in releases.items():
        try:
            version = Version(text)
        except InvalidVersion:
            continue
        if files and not version.is_prerelease and not all(f.get("yanked") for f in files) \
                and requirement.specifier.contains(version):
            versions.append(version)
    return str(min(versions)) if versions else None


def runtime_requirements() -> list[Requirement]:
    lines = (ROOT / "requirements.txt").read_text("utf-8").splitlines()
    return [Requirement(line.split("#", 1)[0].strip()) for line in lines
            if line.split("#", 1)[0].strip()]


def test_installed_environment_has_no_known_vulnerability():
    found = vulnerable(pip_audit("--local"))
    assert not found, "known vulnerabilities (upgrade, or raise the minimum):\n" + "\n".join(found)


def test_oldest_allowed_versions_have_no_known_vulnerability(tmp_path):
    floors = []
    for requirement in runtime_requirements():
        version = oldest_allowed(requirement)
        assert version, f"no release on PyPI satisfies {requirement}"
        floors.append(f"{requirement.name}=={version}")
    pinned = tmp_path / "floors.txt"
    pinned.write_text("\n".join(floors) + "\n", "utf-8")
    found = vulnerable(pip_audit("--requirement", str(pinned), "--no-deps", "--disable-pip"))
    assert not found, ("requirements.txt allows vulnerable versions; raise these minimums "
                       "to a fixed release:\n" + "\n".join(found))


def test_every_runtime_requirement_has_a_floor():
    """Without a lower bound the floor audit above would have nothing to check."""
    missing = [str(r) for r in runtime_requirements()
               if not any(s.operator in (">=", "==", "~=") for s in r.specifier)]
    assert not missing

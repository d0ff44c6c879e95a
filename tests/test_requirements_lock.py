"""The declared requirements and their hashed locks (issue 11, item 17)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def declared(name: str) -> dict[str, Requirement]:
    out = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            req = Requirement(line)
            out[canonicalize_name(req.name)] = req
    return out


def pinned(name: str) -> dict[str, tuple[Version, int]]:
    """package → (pinned version, number of hashes) of a pip-compile lock."""
    text = (ROOT / name).read_text()
    out = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", block)
        if match:
            out[canonicalize_name(match[1])] = (Version(match[2]),
                                                block.count("--hash=sha256:"))
    return out


@pytest.mark.parametrize("package, floor", [("werkzeug", "3.0.6"), ("jinja2", "3.1.6"),
                                            ("defusedxml", "0.7.1")])
def test_runtime_floors_are_past_the_advisories(package, floor):
    req = declared("requirements.txt")[package]
    assert req.specifier.contains(floor) and not req.specifier.contains(_just_below(floor))


def _just_below(version: str) -> str:
    parts = [int(p) for p in version.split(".")]
    parts[-1] -= 1
    return ".".join(str(p) for p in parts)


@pytest.mark.parametrize("lock, sources", [
    ("requirements.lock", ["requirements.txt"]),
    ("requirements-dev.lock", ["requirements.txt", "requirements-dev.txt"]),
])
def test_every_declared_package_is_locked_with_hashes_within_its_range(lock, sources):
    pins = pinned(lock)
    assert pins and all(hashes >= 1 for _version, hashes in pins.values())
    for source in sources:
        for name, req in declared(source).items():
            assert name in pins, f"{name} of {source} is not in {lock}"
            assert req.specifier.contains(pins[name][0], prereleases=True), (name, pins[name])


def test_dev_and_ci_install_from_the_locks_with_hashes():
    dev = (ROOT / "dev.py").read_text()
    assert '"--require-hashes", "-r", lock' in dev
    assert '"requirements-dev.lock" if dev else "requirements.lock"' in dev
    assert "python3 dev.py test" in (ROOT / ".ci" / "run").read_text()

"""The lock files hold every dependency pyproject.toml declares, at versions it allows:
constraints.txt (the README's set-up and CI) and constraints-lowest.txt (CI's second run, which
tests the lower bounds). Refresh both with `bash .ci/lock`."""

from __future__ import annotations

import tomllib

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from conftest import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _declared(requirements: list[str]) -> list[Requirement]:
    """The requirements, an extra of slapolicy itself (`slapolicy[serve]`) read as the requirements it names."""
    out = []
    for text in requirements:
        requirement = Requirement(text)
        if canonicalize_name(requirement.name) == PROJECT["name"]:
            for extra in sorted(requirement.extras):
                out += _declared(PROJECT["optional-dependencies"][extra])
        else:
            out.append(requirement)
    return out


DECLARED = _declared([*PROJECT["dependencies"], *PROJECT["optional-dependencies"]["test"]])


def locked(name: str) -> dict[str, list[tuple[Version, Marker | None]]]:
    pins: dict[str, list[tuple[Version, Marker | None]]] = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            pin = Requirement(line)
            (version,) = (Version(s.version) for s in pin.specifier)
            pins.setdefault(canonicalize_name(pin.name), []).append((version, pin.marker))
    return pins


@pytest.mark.parametrize("lock", ["constraints.txt", "constraints-lowest.txt"])
def test_every_declared_dependency_is_locked_at_an_allowed_version(lock: str) -> None:
    pins = locked(lock)
    for requirement in DECLARED:
        versions = pins.get(canonicalize_name(requirement.name))
        assert versions, f"{requirement.name} is not in {lock}; run `bash .ci/lock`"
        for version, _ in versions:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{lock} pins {requirement.name}=={version}, which `{requirement}` does not allow; run `bash .ci/lock`")


def test_the_lowest_lock_holds_each_lower_bound() -> None:
    """A lower bound raised in pyproject.toml without refreshing the lowest lock would go untested."""
    pins = locked("constraints-lowest.txt")
    for requirement in DECLARED:
        bounds = [Version(s.version) for s in requirement.specifier if s.operator in (">=", "==")]
        if bounds:
            assert {v for v, _ in pins[canonicalize_name(requirement.name)]} == {max(bounds)}, requirement.name


def test_the_public_api_resolves_every_name() -> None:
    """`slapolicy.X` for every name the package offers, wherever the layers put its module."""
    import slapolicy

    assert len(slapolicy.__all__) >= 20
    for name in slapolicy.__all__:
        assert getattr(slapolicy, name).__name__ == name
    with pytest.raises(AttributeError, match="no attribute 'Simulate'"):
        slapolicy.Simulate  # noqa: B018

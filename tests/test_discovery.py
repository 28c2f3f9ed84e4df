"""autodiscover(): importing each package's ``signals`` module."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

import fastdjango
from fastdjango.discovery import autodiscover
from tests.fixtures import isolated_imports

FIXTURES = "tests.fixtures"


@pytest.fixture(autouse=True)
def _forget_fixture_modules() -> Iterator[None]:
    with isolated_imports():
        yield


def test_exported_from_the_package() -> None:
    assert fastdjango.autodiscover is autodiscover
    assert "autodiscover" in fastdjango.__all__


def test_imports_the_signals_module_and_connects_its_receivers() -> None:
    imported = autodiscover(f"{FIXTURES}.app_with_signals")

    assert imported == [f"{FIXTURES}.app_with_signals.signals"]
    module = sys.modules[f"{FIXTURES}.app_with_signals.signals"]
    assert module.greeted.live_receivers() == [module.remember]


def test_a_package_without_signals_module_is_skipped() -> None:
    imported = autodiscover(f"{FIXTURES}.app_without_signals", f"{FIXTURES}.app_with_signals")

    assert imported == [f"{FIXTURES}.app_with_signals.signals"]
    assert f"{FIXTURES}.app_without_signals" in sys.modules
    assert f"{FIXTURES}.app_without_signals.models" not in sys.modules


def test_calling_it_again_imports_nothing_twice() -> None:
    first = autodiscover(f"{FIXTURES}.app_with_signals")
    module = sys.modules[f"{FIXTURES}.app_with_signals.signals"]

    assert autodiscover(f"{FIXTURES}.app_with_signals") == first
    assert sys.modules[f"{FIXTURES}.app_with_signals.signals"] is module
    assert len(module.greeted.receivers) == 1


def test_no_packages_imports_nothing() -> None:
    assert autodiscover() == []


def test_an_import_error_inside_a_signals_module_names_that_module() -> None:
    name = f"{FIXTURES}.app_broken_signals.signals"
    with pytest.raises(ImportError, match=rf"'{name}' exists but failed to import") as info:
        autodiscover(f"{FIXTURES}.app_broken_signals")

    assert "fastdjango_fixture_missing_dependency" in str(info.value)
    assert info.value.name == name
    assert isinstance(info.value.__cause__, ModuleNotFoundError)


def test_a_broken_signals_module_stops_discovery_of_later_packages() -> None:
    with pytest.raises(ImportError, match="app_broken_signals"):
        autodiscover(f"{FIXTURES}.app_broken_signals", f"{FIXTURES}.app_with_signals")

    assert f"{FIXTURES}.app_with_signals.signals" not in sys.modules


def test_a_package_that_fails_to_import_is_named() -> None:
    package = f"{FIXTURES}.app_broken_init"
    with pytest.raises(ImportError, match=rf"the package '{package}' failed to import"):
        autodiscover(package)


@pytest.mark.parametrize(
    "package", ["fastdjango_no_such_app", f"{FIXTURES}.no_such_app", "no_such_root.app"]
)
def test_a_missing_package_is_an_error_naming_it(package: str) -> None:
    with pytest.raises(ModuleNotFoundError, match=rf"cannot find the package '{package}'"):
        autodiscover(package)


def test_a_plain_module_is_refused() -> None:
    with pytest.raises(ValueError, match=r"'tests\.fixtures\.plain_module' is a plain module"):
        autodiscover(f"{FIXTURES}.plain_module")


@pytest.mark.parametrize("bad", [None, "", b"myapp"])
def test_package_names_must_be_strings(bad: object) -> None:
    with pytest.raises(TypeError, match="takes package names"):
        autodiscover(bad)  # type: ignore[arg-type]

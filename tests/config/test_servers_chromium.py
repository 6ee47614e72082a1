"""config/servers.py puts the browser tests' Chromium on the machine with the server packages."""

import shutil
import stat

import pytest

from config import servers as services

REAL_WHICH = shutil.which


@pytest.fixture
def no_chromium_on_path(monkeypatch):
    """PATH has no Chromium (the other programs are still found)."""
    monkeypatch.delenv("CHROMIUM", raising=False)
    monkeypatch.setattr(
        services.shutil, "which", lambda name: None if name in services.CHROMIUM_NAMES else REAL_WHICH(name)
    )


def test_chromium_configured_by_path_must_be_executable(monkeypatch, tmp_path):
    program = tmp_path / "my-chrome"
    program.write_text("#!/bin/sh\n")
    monkeypatch.setenv("CHROMIUM", str(program))
    assert services.chromium_path() is None  # not executable yet
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    assert services.chromium_path() == str(program)
    monkeypatch.setenv("CHROMIUM", str(tmp_path / "missing"))
    assert services.chromium_path() is None


def test_missing_chromium_is_a_missing_package(no_chromium_on_path):
    assert services.chromium_path() is None
    assert "chromium" in services.missing_packages()


def test_chromium_found_on_path_is_not_missing(monkeypatch, tmp_path):
    monkeypatch.delenv("CHROMIUM", raising=False)
    monkeypatch.setattr(services.shutil, "which", lambda name: "/usr/bin/chromium" if name == "chromium" else None)
    assert services.chromium_path() == "/usr/bin/chromium"
    assert "chromium" not in services.missing_packages()


def test_install_adds_chromium_even_with_external_servers(no_chromium_on_path, monkeypatch):
    """Servers configured elsewhere need no package, but the browser tests still need their Chromium here."""
    monkeypatch.setenv("DATABASE_URL", "postgres://db.example/x")
    monkeypatch.setenv("REDIS_URL", "redis://cache.example/0")
    installed = []

    def apt_install(packages):
        installed.append(packages)
        monkeypatch.setattr(services, "chromium_path", lambda: "/usr/bin/chromium")

    monkeypatch.setattr(services, "can_use_apt", lambda: True)
    monkeypatch.setattr(services, "apt_install", apt_install)
    services.install()
    assert installed == [["chromium"]]


def test_without_apt_the_error_names_chromium(no_chromium_on_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://db.example/x")
    monkeypatch.setenv("REDIS_URL", "redis://cache.example/0")
    monkeypatch.setattr(services, "can_use_apt", lambda: False)
    with pytest.raises(services.ServiceError, match="missing system packages: chromium"):
        services.install()

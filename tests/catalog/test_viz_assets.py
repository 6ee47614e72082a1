"""Browser assets of the map and analyze tabs: vendored libraries with their licences, no CDN, and the
optional basemap host allowed by the Content-Security-Policy (and only then)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from config.csp import url_template_source

ROOT = Path(settings.BASE_DIR)
VENDOR = ROOT / "static" / "vendor"
TEMPLATES = ROOT / "templates"
# Files loaded by the tabs, and the version banner each must carry when it has one.
VENDORED = {
    "leaflet": ("1.9.4", ["leaflet.js", "leaflet.css", "images/marker-icon.png", "images/layers.png"]),
    "leaflet.markercluster": ("1.5.3", ["leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css"]),
    "chart.js": ("4.6.1", ["chart.umd.min.js"]),
    "world-atlas": ("2.0.2", ["countries-50m.json"]),
    "topojson-client": ("3.1.0", ["topojson-client.min.js"]),
}
BANNERS = {
    "leaflet/leaflet.js": "Leaflet 1.9.4",
    "chart.js/chart.umd.min.js": "Chart.js v4.6.1",
    "topojson-client/topojson-client.min.js": "topojson-client v3.1.0",
}
# An asset from another host: src/href/url() to http(s):// or a protocol-relative //host.
REMOTE_ASSET = re.compile(
    r"<(?:script|link|img|iframe|source|video|audio|embed)\b[^>]*\b(?:src|href|srcset)\s*=\s*[\"']?\s*(?:https?:)?//"
    r"|url\(\s*[\"']?\s*(?:https?:)?//",
    re.IGNORECASE,
)
STATIC_TAG = re.compile(r"""{%\s*static\s+["']([^"']+)["']\s*%}""")


def package_of(path: Path) -> Path:
    return VENDOR / path.relative_to(VENDOR).parts[0]


def test_every_vendored_file_has_a_licence_in_its_package():
    files = [path for path in VENDOR.rglob("*") if path.is_file() and path.parent != VENDOR]
    assert files
    for path in files:
        licence = package_of(path) / "LICENSE"
        assert licence.is_file(), f"{path.relative_to(ROOT)} has no LICENSE in {package_of(path).name}/"
        assert len(licence.read_text()) > 200


def test_vendor_root_holds_only_package_directories_and_the_readme():
    assert {path.name for path in VENDOR.iterdir() if path.is_file()} == {"README.md"}
    assert {path.name for path in VENDOR.iterdir() if path.is_dir()} == set(VENDORED)


@pytest.mark.parametrize(("package", "version", "files"), [(name, *spec) for name, spec in VENDORED.items()])
def test_vendored_packages_are_complete_and_recorded_in_the_readme(package, version, files):
    for name in files:
        assert (VENDOR / package / name).is_file(), f"{package}/{name} is missing"
    rows = [line for line in (VENDOR / "README.md").read_text().splitlines() if line.startswith(f"| `{package}/`")]
    assert len(rows) == 1 and f"| {version} |" in rows[0]


@pytest.mark.parametrize(("path", "banner"), BANNERS.items())
def test_vendored_file_is_the_recorded_version(path, banner):
    assert banner in (VENDOR / path).read_text()[:300]


def test_no_template_loads_an_asset_from_another_host():
    templates = list(TEMPLATES.rglob("*.html"))
    assert templates
    offenders = [str(path.relative_to(ROOT)) for path in templates if REMOTE_ASSET.search(path.read_text())]
    assert offenders == []


@pytest.mark.parametrize(
    "html",
    [
        '<script src="https://cdn.example.org/leaflet.js"></script>',
        "<link rel=stylesheet href=//cdn.example.org/x.css>",
        "<img alt='' src='http://tiles.example.org/1.png'>",
        '<div style="background: url(https://example.org/a.png)"></div>',
    ],
)
def test_remote_asset_pattern_catches_cdn_references(html):
    assert REMOTE_ASSET.search(html)


def test_links_to_other_sites_are_not_assets():
    assert not REMOTE_ASSET.search('<a href="https://leafletjs.com">Leaflet</a>')


def test_static_files_the_tabs_load_exist():
    for name in ("map.html", "analyze.html"):
        text = (TEMPLATES / "explore" / "tabs" / name).read_text()
        paths = STATIC_TAG.findall(text)
        assert paths, name
        for path in paths:
            assert (ROOT / "static" / path).is_file(), f"{name} loads missing static/{path}"


def test_tab_scripts_are_files_not_inline():
    for name in ("map.html", "analyze.html"):
        text = (TEMPLATES / "explore" / "tabs" / name).read_text()
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", text, re.DOTALL)
        assert scripts
        assert all("src=" in attributes and not body.strip() for attributes, body in scripts)


@pytest.mark.parametrize(
    ("template", "source"),
    [
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("https://tiles.example.org:8443/{z}/{x}/{y}.png?key=abc", "https://tiles.example.org:8443"),
        ("http://127.0.0.1/tiles/{z}/{x}/{y}.png", "http://127.0.0.1"),
    ],
)
def test_tile_host_as_a_csp_source(template, source):
    assert url_template_source(template) == source


def csp_img_src(tiles_url: str | None) -> subprocess.CompletedProcess:
    """The img-src of a fresh process's settings (settings are read once, at start)."""
    env = {key: value for key, value in os.environ.items() if key != "MAP_TILES_URL"}
    if tiles_url is not None:
        env["MAP_TILES_URL"] = tiles_url
    code = "import config.settings as s; print(' '.join(s.CONTENT_SECURITY_POLICY['img-src']))"
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_csp_allows_the_tile_host_only_when_configured():
    assert csp_img_src(None).stdout.split() == ["'self'", "data:"]
    configured = csp_img_src("https://{s}.tile.example.org/{z}/{x}/{y}.png")
    assert configured.stdout.split() == ["'self'", "data:", "https://*.tile.example.org"]


@pytest.mark.parametrize("value", ["ftp://tiles.example.org/{z}/{x}/{y}.png", "tiles/{z}/{x}/{y}.png"])
def test_malformed_tiles_url_stops_the_process(value):
    result = csp_img_src(value)
    assert result.returncode != 0
    assert "ImproperlyConfigured: MAP_TILES_URL=" in result.stderr


def test_default_settings_have_no_basemap():
    # The test settings come from the same environment-driven defaults: no tile layer, no remote image host.
    if "MAP_TILES_URL" not in os.environ:
        assert settings.MAP_TILES_URL == ""
        assert settings.CONTENT_SECURITY_POLICY["img-src"] == ["'self'", "data:"]

"""Security headers: the Content-Security-Policy of every HTML page, and the pages keeping within it."""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser

import pytest
from django.conf import settings

from config.csp import policy_text

pytestmark = pytest.mark.django_db

POLICY = (
    "default-src 'self'; script-src 'self' 'sha256-1kZe1KRxelr3ptMPsod17Z6BDvbtm4WcufgsZGvsErM='; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Script types a browser does not run (data blocks, e.g. Django's json_script).
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json", "text/template"}


class PageResources(HTMLParser):
    """What a page loads and runs: script sources, inline script texts, stylesheets, images, event handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.script_sources: list[str] = []
        self.inline_scripts: list[str] = []
        self.stylesheets: list[str] = []
        self.images: list[str] = []
        self.handlers: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.handlers += [f"{tag} {name}" for name, _ in attrs if name.startswith("on")]
        self.handlers += [f"{tag} {name}" for name, value in attrs if (value or "").startswith("javascript:")]
        if tag == "script":
            if attributes.get("src"):
                self.script_sources.append(attributes["src"])
            elif attributes.get("type") not in DATA_SCRIPT_TYPES:
                self._in_inline_script = True
                self.inline_scripts.append("")
        elif tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append(attributes["href"])
        elif tag == "img":
            self.images.append(attributes.get("src", ""))

    def handle_data(self, data):
        if self._in_inline_script:
            self.inline_scripts[-1] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False


def same_origin(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//")


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def assert_within_policy(response) -> PageResources:
    assert response.status_code == 200, response.status_code
    assert response["Content-Security-Policy"] == POLICY
    page = PageResources()
    page.feed(response.content.decode())
    assert page.handlers == []
    assert [src for src in page.script_sources if not same_origin(src)] == []
    allowed = settings.CONTENT_SECURITY_POLICY["script-src"]
    assert [text for text in page.inline_scripts if sha256_source(text) not in allowed] == []
    assert [href for href in page.stylesheets if not same_origin(href)] == []
    assert [src for src in page.images if not (same_origin(src) or src.startswith("data:"))] == []
    return page


def test_the_policy_text_is_built_from_the_setting():
    assert policy_text(settings.CONTENT_SECURITY_POLICY) == POLICY


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.org", "root-password-1")
    client.force_login(user)
    return client, user


def test_the_catalog_and_the_admin_login_page_are_within_the_policy(client, public_dataset):
    page = assert_within_policy(client.get("/"))
    assert page.stylesheets == ["/static/css/site.css", "/static/catalog/catalog.css"]
    assert_within_policy(client.get("/explore/dataset/trees/"))
    assert_within_policy(client.get("/admin/login/"))


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/admin/",
        "/admin/datasets/dataset/",
        "/admin/datasets/dataset/add/",
        "/admin/auth/user/",
        "/admin/auth/user/{user}/change/",
        "/admin/auth/group/add/",
        "/admin/rq/",
        "/admin/rq/queues/0/",
    ],
)
def test_staff_pages_are_within_the_policy(admin_client, path):
    client, user = admin_client
    assert_within_policy(client.get(path.format(user=user.pk)))


def test_the_rq_jobs_page_inline_script_is_the_one_allowed_by_hash(admin_client):
    client, _ = admin_client
    page = assert_within_policy(client.get("/admin/rq/queues/0/"))
    # If django-rq changes this script, the hash in settings must follow (the assertion above fails first).
    assert [sha256_source(text) for text in page.inline_scripts] == [
        "'sha256-1kZe1KRxelr3ptMPsod17Z6BDvbtm4WcufgsZGvsErM='"
    ]


def test_swagger_ui_loads_its_init_script_as_a_file(client):
    page = assert_within_policy(client.get("/api/management/v2/docs/"))
    assert page.inline_scripts == []
    [init] = [src for src in page.script_sources if "script" in src.split("?", 1)[-1]]
    script = client.get(init)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    assert "Content-Security-Policy" not in script


def test_json_answers_carry_no_policy_and_pages_carry_the_other_headers(client):
    assert "Content-Security-Policy" not in client.get("/api/explore/v2.1/catalog/datasets")
    page = client.get("/")
    assert page["X-Frame-Options"] == "DENY"
    assert page["Referrer-Policy"] == "same-origin"
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["Cross-Origin-Opener-Policy"] == "same-origin"


def test_a_response_setting_its_own_policy_keeps_it(rf):
    from django.http import HttpResponse

    from config.csp import ContentSecurityPolicyMiddleware

    own = HttpResponse("<p>x</p>", headers={"Content-Security-Policy": "default-src 'none'"})
    response = ContentSecurityPolicyMiddleware(lambda request: own)(rf.get("/"))
    assert response["Content-Security-Policy"] == "default-src 'none'"

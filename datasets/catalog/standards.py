"""Standard descriptions for crawlers: ``/sitemap.xml`` (public dataset pages, announced by ``/robots.txt``).

The sitemap lists what an anonymous visitor sees, whoever asks: a crawler indexes public pages only. A dataset's
Frictionless ``datapackage.json``, for data tools, is an Explore API route (``datasets.api.explore.datapackage``).
"""

from __future__ import annotations

from xml.etree import ElementTree

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from datasets.access.caller import Caller
from datasets.access.visibility import visible_datasets
from datasets.selectors.catalog import published_modified

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def sitemap(request: HttpRequest) -> HttpResponse:
    """The sitemaps.org ``urlset`` of the public dataset pages, each with its ``lastmod`` (the modified date)."""
    public = visible_datasets(Caller(AnonymousUser())).select_related("current_version").order_by("dataset_id")
    urlset = ElementTree.Element("urlset", xmlns=SITEMAP_NS)
    for dataset in public:
        url = ElementTree.SubElement(urlset, "url")
        page = reverse("catalog-dataset", args=[dataset.dataset_id])
        ElementTree.SubElement(url, "loc").text = request.build_absolute_uri(page)
        modified = published_modified(dataset.current_version)
        ElementTree.SubElement(url, "lastmod").text = modified.date().isoformat()
    body = ElementTree.tostring(urlset, encoding="utf-8", xml_declaration=True)
    return HttpResponse(body, content_type="application/xml; charset=utf-8")


def robots(request: HttpRequest) -> HttpResponse:
    """``/robots.txt``: crawlers may read the catalog, not the back-office, and find the sitemap here."""
    sitemap_url = request.build_absolute_uri(reverse("sitemap"))
    body = f"User-agent: *\nDisallow: /admin/\nAllow: /\n\nSitemap: {sitemap_url}\n"
    return HttpResponse(body, content_type="text/plain; charset=utf-8")

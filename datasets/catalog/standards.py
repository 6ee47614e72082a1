"""Standard descriptions for crawlers and data tools: ``/sitemap.xml`` (public dataset pages, announced by
``/robots.txt``) and a dataset's Frictionless ``datapackage.json`` at
``/api/explore/v2.1/catalog/datasets/<id>/datapackage.json``.

The sitemap lists what an anonymous visitor sees, whoever asks: a crawler indexes public pages only. The data
package answers like the other Explore API routes (same credentials, throttles, quota and 404 for a dataset the
caller may not see); a dataset whose data the caller may not read has no data package (404 too).
"""

from __future__ import annotations

from typing import cast
from urllib.parse import quote
from xml.etree import ElementTree

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from rest_framework.request import Request
from rest_framework.response import Response

from datasets.access.visibility import Caller, visible_datasets
from datasets.api.explore.errors import unknown_dataset
from datasets.api.explore.views import ExploreView
from datasets.formats.datapackage import data_package
from datasets.models import PublishedVersion
from datasets.selectors.catalog import published_modified
from datasets.selectors.published import published_table

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
API_ROOT = "/api/explore/v2.1/catalog/datasets"


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


class DatapackageView(ExploreView):
    """``GET .../catalog/datasets/<id>/datapackage.json``: one CSV resource with the Table Schema of the fields
    the caller sees."""

    def get(self, request: Request, dataset_id: str) -> Response:
        caller = self.caller()
        published = published_table(visible_datasets(caller), dataset_id, caller)
        if published is None or not published.access.data_visible:
            raise unknown_dataset(dataset_id)
        dataset = self.dataset(dataset_id)  # counts the call against the quota, as the other routes do
        page = request.build_absolute_uri(reverse("catalog-dataset", args=[dataset_id]))
        api_root = request.build_absolute_uri(f"{API_ROOT}/{quote(dataset_id)}")
        metadata = cast(PublishedVersion, dataset.current_version).metadata
        return Response(data_package(dataset_id, metadata, published.fields, api_root, page))

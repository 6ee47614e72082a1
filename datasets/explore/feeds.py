"""The catalog as Project Open Data ``data.json`` (DCAT-US 1.1) and as an RSS 2.0 feed.

Decisions:

* ``data.json`` follows the non-federal POD 1.1 schema: every dataset carries the required ``title``,
  ``description``, ``keyword`` (at least one: the themes, else the dataset id, when no keyword is set),
  ``modified``, ``publisher``, ``contactPoint`` (the ``dcat`` template's ``contact_name``/``contact_email``,
  else the publisher and ``CONTACT_EMAIL``), ``identifier`` and ``accessLevel`` (``public``: only datasets the
  caller sees are listed). Each export format is a ``distribution`` with ``downloadURL`` and ``mediaType``.
* RSS lists the ``RSS_ITEMS`` most recently published datasets, newest first; the XML is built with
  ``xml.etree`` so titles and descriptions are escaped by the serializer.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from email.utils import format_datetime
from typing import Any

from datasets.explore.dcat import CatalogEntry, as_list

POD_SCHEMA = "https://project-open-data.cio.gov/v1.1/schema"
POD_CONTEXT = "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld"
CONTACT_EMAIL = "opendata@example.org"
RSS_ITEMS = 20


def pod_keywords(entry: CatalogEntry) -> list[str]:
    keywords = [str(word) for word in as_list(entry.default.get("keyword")) if str(word).strip()]
    themes = [str(theme) for theme in as_list(entry.default.get("theme")) if str(theme).strip()]
    return keywords or themes or [entry.dataset_id]


def pod_dataset(entry: CatalogEntry) -> dict[str, Any]:
    """One ``dcat:Dataset`` of ``data.json``."""
    template = entry.metadata.get("dcat", {})
    publisher = entry.default.get("publisher") or entry.dataset_id
    dataset: dict[str, Any] = {
        "@type": "dcat:Dataset",
        "title": entry.title,
        # POD requires a non-empty description: the title stands in for a missing one.
        "description": entry.description or entry.title,
        "keyword": pod_keywords(entry),
        "modified": entry.modified.isoformat(),
        "issued": entry.issued.isoformat(),
        "publisher": {"@type": "org:Organization", "name": publisher},
        "contactPoint": {
            "@type": "vcard:Contact",
            "fn": template.get("contact_name") or publisher,
            "hasEmail": f"mailto:{template.get('contact_email') or CONTACT_EMAIL}",
        },
        "identifier": entry.landing_page,
        "accessLevel": "public",
        "landingPage": entry.landing_page,
        "distribution": [
            {"@type": "dcat:Distribution", "downloadURL": d.url, "mediaType": d.media_type, "format": d.format}
            for d in entry.distributions
        ],
    }
    if license_ := entry.default.get("license"):
        dataset["license"] = license_
    if themes := [str(theme) for theme in as_list(entry.default.get("theme"))]:
        dataset["theme"] = themes
    if languages := [str(language) for language in as_list(entry.default.get("language"))]:
        dataset["language"] = languages
    if temporal := template.get("temporal"):
        dataset["temporal"] = str(temporal)
    if spatial := template.get("spatial"):
        dataset["spatial"] = str(spatial)
    return dataset


def data_json(catalog_url: str, entries: Iterable[CatalogEntry]) -> dict[str, Any]:
    """The ``data.json`` catalog document."""
    return {
        "@context": POD_CONTEXT,
        "@id": catalog_url,
        "@type": "dcat:Catalog",
        "conformsTo": POD_SCHEMA,
        "describedBy": f"{POD_SCHEMA}/catalog.json",
        "dataset": [pod_dataset(entry) for entry in entries],
    }


def rss(title: str, link: str, entries: Iterable[CatalogEntry]) -> bytes:
    """RSS 2.0 of the ``RSS_ITEMS`` most recently issued entries, newest first (UTF-8 XML)."""
    newest = sorted(entries, key=lambda entry: entry.issued, reverse=True)[:RSS_ITEMS]
    root = ET.Element("rss", version="2.0")
    channel = ET.SubElement(root, "channel")
    ET.SubElement(channel, "title").text = title
    ET.SubElement(channel, "link").text = link
    ET.SubElement(channel, "description").text = f"The datasets most recently published on {title}"
    if newest:
        ET.SubElement(channel, "lastBuildDate").text = format_datetime(newest[0].issued)
    for entry in newest:
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = entry.title
        ET.SubElement(item, "link").text = entry.landing_page
        ET.SubElement(item, "description").text = entry.description
        ET.SubElement(item, "guid", isPermaLink="true").text = entry.landing_page
        ET.SubElement(item, "pubDate").text = format_datetime(entry.issued)
        for theme in as_list(entry.default.get("theme")):
            ET.SubElement(item, "category").text = str(theme)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)

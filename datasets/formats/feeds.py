"""The catalog as Project Open Data ``data.json`` (DCAT-US 1.1) and as RSS 2.0 and Atom 1.0 feeds.

Decisions:

* ``data.json`` follows the non-federal POD 1.1 schema: every dataset carries the required ``title``,
  ``description``, ``keyword`` (at least one: the themes, else the dataset id, when no keyword is set),
  ``modified``, ``publisher``, ``contactPoint`` (the ``dcat`` template's ``contact_name``/``contact_email``,
  else the publisher and the ``CATALOG_CONTACT_EMAIL`` setting), ``identifier`` and ``accessLevel``
  (``public``: only datasets the caller sees are listed). Each export format is a ``distribution`` with
  ``downloadURL`` and ``mediaType``.
* RSS and Atom list the ``RSS_ITEMS`` most recently published datasets, newest first; the XML is built with
  ``xml.etree`` so titles and descriptions are escaped by the serializer. Characters XML 1.0 cannot carry
  (control characters) are dropped from texts rather than making the whole feed unreadable.
* Atom (RFC 4287): the feed's ``id`` is its own URL, its ``updated`` the newest publication (the given
  ``updated`` time when the catalog is empty), its ``author`` the catalog. Each entry's ``id`` is the dataset
  page (as the RSS ``guid``), ``updated`` and ``published`` the publication time, ``summary`` the description
  (stored as sanitized HTML) as plain text, ``author`` the publisher when set (else the feed's author
  applies), one ``category`` per keyword and theme.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from email.utils import format_datetime
from typing import Any

from django.conf import settings

from datasets.formats.dcat import CatalogEntry, as_list

POD_SCHEMA = "https://project-open-data.cio.gov/v1.1/schema"
POD_CONTEXT = "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld"
RSS_ITEMS = 20
ATOM_NS = "http://www.w3.org/2005/Atom"
# Characters outside XML 1.0's ``Char`` production: the serializer would write them and no parser would read them.
NOT_XML_CHARS = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: Any) -> str:
    return NOT_XML_CHARS.sub("", str(value))


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
        "description": entry.plain_description or entry.title,
        "keyword": pod_keywords(entry),
        "modified": entry.modified.isoformat(),
        "issued": entry.issued.isoformat(),
        "publisher": {"@type": "org:Organization", "name": publisher},
        "contactPoint": {
            "@type": "vcard:Contact",
            "fn": template.get("contact_name") or publisher,
            "hasEmail": f"mailto:{template.get('contact_email') or settings.CATALOG_CONTACT_EMAIL}",
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


def newest_entries(entries: Iterable[CatalogEntry]) -> list[CatalogEntry]:
    """The ``RSS_ITEMS`` most recently issued entries, newest first."""
    return sorted(entries, key=lambda entry: entry.issued, reverse=True)[:RSS_ITEMS]


def entry_categories(entry: CatalogEntry) -> list[str]:
    """Keywords then themes, each once, blank ones left out."""
    words = [*as_list(entry.default.get("keyword")), *as_list(entry.default.get("theme"))]
    return list(dict.fromkeys(text for word in words if (text := xml_text(word)).strip()))


def rss(title: str, link: str, entries: Iterable[CatalogEntry]) -> bytes:
    """RSS 2.0 of the ``RSS_ITEMS`` most recently issued entries, newest first (UTF-8 XML)."""
    newest = newest_entries(entries)
    root = ET.Element("rss", version="2.0")
    channel = ET.SubElement(root, "channel")
    ET.SubElement(channel, "title").text = xml_text(title)
    ET.SubElement(channel, "link").text = link
    ET.SubElement(channel, "description").text = xml_text(f"The datasets most recently published on {title}")
    if newest:
        ET.SubElement(channel, "lastBuildDate").text = format_datetime(newest[0].issued)
    for entry in newest:
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = xml_text(entry.title)
        ET.SubElement(item, "link").text = entry.landing_page
        ET.SubElement(item, "description").text = xml_text(entry.description)
        ET.SubElement(item, "guid", isPermaLink="true").text = entry.landing_page
        ET.SubElement(item, "pubDate").text = format_datetime(entry.issued)
        for theme in as_list(entry.default.get("theme")):
            ET.SubElement(item, "category").text = xml_text(theme)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def atom_element(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    """A child of ``parent``, in the Atom namespace the root declares as default."""
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = xml_text(text)
    return element


def atom_time(moment: dt.datetime) -> str:
    """An RFC 3339 date-time in UTC, as Atom's date constructs require."""
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def atom_entry(feed: ET.Element, entry: CatalogEntry) -> None:
    item = atom_element(feed, "entry")
    atom_element(item, "id", entry.landing_page)
    atom_element(item, "title", entry.title, type="text")
    atom_element(item, "updated", atom_time(entry.issued))
    atom_element(item, "published", atom_time(entry.issued))
    atom_element(item, "link", rel="alternate", type="text/html", href=entry.landing_page)
    if publisher := entry.default.get("publisher"):
        atom_element(atom_element(item, "author"), "name", str(publisher))
    if summary := entry.plain_description:
        atom_element(item, "summary", summary, type="text")
    for term in entry_categories(entry):
        atom_element(item, "category", term=term)


def atom(title: str, self_url: str, link: str, entries: Iterable[CatalogEntry], updated: dt.datetime) -> bytes:
    """Atom 1.0 of the ``RSS_ITEMS`` most recently issued entries, newest first (UTF-8 XML); ``updated`` dates
    the feed when there is no entry."""
    newest = newest_entries(entries)
    # The namespace is declared as the default one on the root, so every element is unprefixed Atom. (ElementTree's
    # default_namespace option refuses the unqualified attributes Atom uses, register_namespace is process-wide.)
    feed = ET.Element("feed", xmlns=ATOM_NS)
    atom_element(feed, "id", self_url)
    atom_element(feed, "title", title, type="text")
    atom_element(feed, "subtitle", f"The datasets most recently published on {title}", type="text")
    atom_element(feed, "updated", atom_time(newest[0].issued if newest else updated))
    atom_element(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    atom_element(feed, "link", rel="alternate", type="text/html", href=link)
    # Entries without a publisher take the feed's author (RFC 4287 4.1.1 requires one or the other).
    atom_element(atom_element(feed, "author"), "name", title)
    for entry in newest:
        atom_entry(feed, entry)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)

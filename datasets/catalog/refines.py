"""Facet values as links that refine a catalog page by them (or, once refined, undo it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class PageQuery(Protocol):
    """A page's query: its ``refine`` values and the URL of the same page with some changes."""

    refines: list[str]

    def url(self, **changes: Any) -> str: ...


def refine_links(
    facets: list[dict[str, Any]],
    query: PageQuery,
    facet_label: Callable[[str], str],
    value_label: Callable[[str, dict[str, Any]], str] = lambda facet, entry: entry["name"],
) -> list[dict[str, Any]]:
    """Facets with a label and, per value, its label and the URL refining by it (or, when refined, without it).

    Facets without values are left out; every other parameter of the page stays as it is.
    """
    shown = []
    for facet in facets:
        entries = []
        for entry in facet["facets"]:
            token = f"{facet['name']}:{entry['value']}"
            refined = entry["state"] == "refined"
            others = [value for value in query.refines if value != token]
            href = query.url(refine=others if refined else [*query.refines, token])
            entries.append({**entry, "label": value_label(facet["name"], entry), "refined": refined, "href": href})
        if entries:
            shown.append({"name": facet["name"], "label": facet_label(facet["name"]), "entries": entries})
    return shown

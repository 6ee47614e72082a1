"""Facet values as links that refine a catalog page by them (or, once refined, undo it), and optionally exclude them.

A facet value is a token ``<facet>:<value>``, the form the Explore ``refine`` and ``exclude`` parameters take. The
links only rewrite the page's own URL (through ``query.url``), so every other parameter of the page stays.
"""

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
    excludes: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Facets with a label and, per value, its label and the URL refining by it (or, when refined, without it).

    With ``excludes`` (the page's ``exclude`` tokens; the page's ``url`` then takes ``exclude=[...]``), every
    value also gets ``exclude_href``, and an excluded value (state ``excluded``) links to the page without that
    exclusion. Nested values (the hierarchical ``modified`` facet) become ``children``. Facets without values are
    left out.
    """
    shown = []
    for facet in facets:
        entries = entry_links(facet["name"], facet["facets"], query, value_label, excludes)
        if entries:
            shown.append({"name": facet["name"], "label": facet_label(facet["name"]), "entries": entries})
    return shown


def entry_links(
    name: str,
    entries: list[dict[str, Any]],
    query: PageQuery,
    value_label: Callable[[str, dict[str, Any]], str],
    excludes: list[str] | None,
    ancestors: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """The links of one level of a facet's values and, recursively, of the values nested under them.

    Nested values are periods inside a refined one (``modified:2024/03`` inside ``modified:2024``): refining one
    replaces the refinements above it, which it implies; undoing one goes back to the period above it, and undoing
    a period also undoes the refinements inside it.
    """
    links = []
    for entry in entries:
        token = f"{name}:{entry['value']}"
        refined = entry["state"] == "refined"
        excluded = entry["state"] == "excluded"
        link = {**entry, "label": value_label(name, entry), "refined": refined, "excluded": excluded}
        outside = [value for value in query.refines if value not in ancestors]
        if excluded and excludes is not None:
            link["href"] = query.url(exclude=[value for value in excludes if value != token])
        elif refined:
            kept = [value for value in query.refines if value != token and not inside(token, entry, value)]
            parent = list(ancestors[-1:]) if ancestors and ancestors[-1] not in kept else []
            link["href"] = query.url(refine=kept + parent)
        else:
            link["href"] = query.url(refine=[*outside, token])
        if excludes is not None and not refined and not excluded:
            # Excluding a value drops a refinement by the same value: both at once would select nothing.
            link["exclude_href"] = query.url(
                refine=[value for value in query.refines if value != token], exclude=[*excludes, token]
            )
        nested = entry.get("facets", [])
        link["children"] = entry_links(name, nested, query, value_label, excludes, (*ancestors, token))
        links.append(link)
    return links


def inside(token: str, entry: dict[str, Any], other: str) -> bool:
    """Whether the refinement ``other`` is a period nested in the refined period ``token`` (entries with nested
    ``facets`` are periods; a slash in any other facet's value means nothing)."""
    return "facets" in entry and other.startswith(token + "/")

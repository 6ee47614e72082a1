"""Read-modify-write: a client may send back the whole object it fetched, read-only keys included.

A ``PUT``/``PATCH`` body may carry the object's read-only keys (``dataset_uid``, ``status``, ``metas``…) as
long as they still hold what the object shows: those keys are then set aside and only the writable ones are
applied. A read-only key whose value differs is a 400 naming every changed key, so a client never believes a
change was made that was not. A part the client left out (a key inside an object, an expanded attribute
shown as a stub) is not a change: only what was sent is compared.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework.request import Request

from core.api.base import json_object
from core.errors import InvalidFieldError


def first_difference(sent: Any, shown: Any, path: str) -> str | None:
    """The dotted path of the first place where ``sent`` is not what ``shown`` holds, or None.

    Objects compare on the keys sent (a stub matches its expanded form), lists item by item.
    """
    if isinstance(sent, dict) and isinstance(shown, dict):
        for key, value in sent.items():
            if key not in shown:
                return f"{path}.{key}"
            difference = first_difference(value, shown[key], f"{path}.{key}")
            if difference:
                return difference
        return None
    if isinstance(sent, list) and isinstance(shown, list):
        if len(sent) != len(shown):
            return path
        for index, (item, shown_item) in enumerate(zip(sent, shown, strict=True)):
            difference = first_difference(item, shown_item, f"{path}[{index}]")
            if difference:
                return difference
        return None
    return None if sent == shown and type(sent) is type(shown) else path


def changed_read_only_keys(body: dict[str, Any], shown: dict[str, Any], read_only: Iterable[str]) -> list[str]:
    """The paths of the read-only keys of ``body`` that differ from the object as ``shown``."""
    changed = []
    for key in read_only:
        if key in body:
            difference = first_difference(body[key], shown.get(key), key)
            if difference:
                changed.append(difference)
    return changed


def writable_body(
    request: Request,
    *,
    writable: set[str],
    read_only: set[str],
    shown: dict[str, Any],
    required: set[str] | frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The request body's writable keys, once its read-only keys are checked against the object ``shown``.

    Keys outside both sets stay unknown attributes (a 400 naming them, as ``json_object`` does).
    """
    body = json_object(request, allowed=writable | read_only, required=required)
    changed = changed_read_only_keys(body, shown, sorted(read_only))
    if changed:
        raise InvalidFieldError(
            field=changed[0],
            detail=f"read-only, it can be sent back unchanged but not changed (changed: {', '.join(changed)})",
        )
    return {key: value for key, value in body.items() if key not in read_only}


def sent_back(
    request: Request, shown: dict[str, Any], *, writable: set[str], required: set[str] | frozenset[str] = frozenset()
) -> dict[str, Any]:
    """``writable_body`` where every key the object shows, other than the ``writable`` ones, is read-only."""
    return writable_body(request, writable=writable, read_only=set(shown) - writable, shown=shown, required=required)

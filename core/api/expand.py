"""The ``expand`` query parameter: which related objects a response shows in full."""

from __future__ import annotations

from collections.abc import Iterable

from core.errors import InvalidFieldError


class Expand:
    """A set of dotted attribute paths (``status``, ``status.user``, ``metadata.definition``).

    Expanding ``status.user`` expands ``status`` too. ``child("status")`` gives the paths below
    ``status``, for the object that renders it.
    """

    def __init__(self, paths: Iterable[tuple[str, ...]] = ()) -> None:
        self.paths = frozenset(paths)

    @classmethod
    def from_values(cls, values: Iterable[str], allowed: Iterable[str]) -> Expand:
        """Parse the values of ``expand`` (each comma-separated); unknown attributes are a 400."""
        allowed = sorted(allowed)
        names = [name.strip() for value in values for name in value.split(",")]
        names = [name for name in names if name]
        unknown = [name for name in names if name not in allowed]
        if unknown:
            where = ", ".join(allowed) if allowed else "nothing"
            raise InvalidFieldError(
                field="expand", detail=f"cannot expand {', '.join(unknown)}; expandable here: {where}"
            )
        return cls(tuple(name.split(".")) for name in names)

    def has(self, name: str) -> bool:
        return any(path[0] == name for path in self.paths)

    def child(self, name: str) -> Expand:
        return Expand(path[1:] for path in self.paths if path[0] == name and len(path) > 1)

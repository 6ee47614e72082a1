"""Two inputs the step forms need and Django lacks: a text input with suggestions, a list of names as text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


class DatalistInput(forms.TextInput):
    """A text input suggesting ``options`` (a ``<datalist>``): any other text may still be typed."""

    def __init__(self, options: Iterable[str], attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.options = list(options)

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        list_id = f"{(attrs or {}).get('id') or 'id_' + name}_options"
        html = super().render(name, value, {**(attrs or {}), "list": list_id}, renderer)
        options = format_html_join("", '<option value="{}"></option>', ((option,) for option in self.options))
        return format_html('{}<datalist id="{}">{}</datalist>', html, list_id, options)


class NameListField(forms.CharField):
    """Names written one after the other, separated by commas, as a list (empty: no names)."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [name.strip() for name in text.split(",") if name.strip()]

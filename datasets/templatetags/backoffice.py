"""Template filters of the back-office pages."""

from __future__ import annotations

import json
from typing import Any

from django import template

register = template.Library()


def readable_value(value: Any) -> str:
    """One argument's value as a publisher reads it: lists joined by commas, objects as compact JSON."""
    if isinstance(value, list):
        return ", ".join(readable_value(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


@register.filter
def step_args(args: Any) -> str:
    """A processor's or field specification's ``args`` as ``name: value`` pairs (a list as its values)."""
    if isinstance(args, dict):
        return "; ".join(f"{name}: {readable_value(value)}" for name, value in args.items())
    return readable_value(args)

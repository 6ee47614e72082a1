"""Validation of processor arguments against their specification, one argument at a time.

Each problem raises InvalidProcessorArgumentError naming the argument. Checks per type come
first (in the order of the specification), then the rules that tie arguments together.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from datasets.pipeline.core import InvalidProcessorArgumentError, RecordFailure
from datasets.pipeline.naming import slug
from datasets.pipeline.processors.catalogue import Argument, ProcessorSpec
from datasets.pipeline.processors.dates import date_format_problem, timezone_problem
from datasets.pipeline.processors.geo import pair
from datasets.pipeline.processors.geojoin import reference_problem
from datasets.pipeline.processors.json import parse_path
from datasets.pipeline.processors.projection import PROJECTIONS, epsg_code
from datasets.pipeline.record_expressions import ExpressionSyntaxError, parse_expression

MAX_REGEXP_LENGTH = 1000


def invalid(spec: ProcessorSpec, argument: str, reason: str) -> InvalidProcessorArgumentError:
    return InvalidProcessorArgumentError(processor=spec.name, argument=argument, reason=reason)


def validate_arguments(spec: ProcessorSpec, args: object) -> dict[str, Any]:
    """Normalised arguments: given values checked, defaults filled, cross-argument rules applied."""
    if not isinstance(args, dict):
        raise invalid(spec, "args", "must be an object")
    for key in args:
        if spec.argument(str(key)) is None:
            expected = ", ".join(argument.name for argument in spec.arguments)
            raise invalid(spec, str(key), f"unknown argument; expected one of: {expected}")
    normalised: dict[str, Any] = {}
    for argument in spec.arguments:
        value = args.get(argument.name)
        if value is not None:
            normalised[argument.name] = check_value(spec, argument, value)
        elif argument.required:
            raise invalid(spec, argument.name, "this argument is required")
        elif argument.default is not None:
            normalised[argument.name] = argument.default
    RULES.get(spec.name, lambda spec, args: None)(spec, normalised)
    return normalised


def check_value(spec: ProcessorSpec, argument: Argument, value: Any) -> Any:
    """The value if it suits the argument's type; a null value means "absent" and never reaches here."""
    if argument.type == "boolean":
        if not isinstance(value, bool):
            raise invalid(spec, argument.name, "must be true or false")
        return value
    if argument.type == "fields":
        return check_field_list(spec, argument, value)
    if argument.type == "names":
        return check_names(spec, argument, value)
    if not isinstance(value, str):
        raise invalid(spec, argument.name, "must be a string")
    problem = TEXT_CHECKS.get(argument.type, lambda argument, value: None)(argument, value)
    if problem is not None:
        raise invalid(spec, argument.name, problem)
    return value


def check_field_list(spec: ProcessorSpec, argument: Argument, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise invalid(spec, argument.name, "must be a list of field names")
    if len(value) < 2:
        raise invalid(spec, argument.name, "must list at least 2 fields")
    return list(value)


def check_names(spec: ProcessorSpec, argument: Argument, value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item.strip() for item in value):
        raise invalid(spec, argument.name, "must be a non-empty list of field names")
    return list(value)


def field_problem(argument: Argument, value: str) -> str | None:
    return None if value.strip() else "must not be empty"


def output_field_problem(argument: Argument | None, value: str) -> str | None:
    """Fields a processor creates get technical names, like the ones ``naming`` gives source headers."""
    if not value.strip():
        return "must not be empty"
    if slug(value) != value:
        return (
            f"'{value}' is not a valid field name; use lowercase letters, digits and underscores, e.g. '{slug(value)}'"
        )
    return None


def regexp_problem(argument: Argument, value: str) -> str | None:
    if len(value) > MAX_REGEXP_LENGTH:
        return f"longer than {MAX_REGEXP_LENGTH} characters"
    try:
        re.compile(value)
    except re.error as exc:
        return f"invalid regular expression: {exc}"
    return None


def expression_problem(argument: Argument, value: str) -> str | None:
    try:
        parse_expression(value)
    except ExpressionSyntaxError as exc:
        return str(exc)
    return None


def json_path_problem(argument: Argument, value: str) -> str | None:
    try:
        parse_path(value)
    except ValueError as exc:
        return str(exc)
    return None


def choice_problem(argument: Argument, value: str) -> str | None:
    choices = argument.choices or ()
    return None if value in choices else f"must be one of: {', '.join(choices)}"


def geo_point_problem(argument: Argument, value: str) -> str | None:
    try:
        pair(value, argument.name)
    except RecordFailure as failure:
        return str(failure)
    return None


def epsg_problem(argument: Argument, value: str) -> str | None:
    if epsg_code(value) is not None:
        return None
    supported = ", ".join(PROJECTIONS)
    return f"unsupported EPSG code '{value}'; supported codes: {supported}"


TEXT_CHECKS: dict[str, Callable[[Argument, str], str | None]] = {
    "field": field_problem,
    "output_field": output_field_problem,
    "regexp": regexp_problem,
    "expression": expression_problem,
    "json_path": json_path_problem,
    "choice": choice_problem,
    "geo_point": geo_point_problem,
    "epsg": epsg_problem,
    "date_format": lambda argument, value: date_format_problem(value),
    "timezone": lambda argument, value: timezone_problem(value),
}


# ---------------------------------------------------------------------------------------------- cross-argument rules


def field_or_all_fields(spec: ProcessorSpec, args: dict[str, Any]) -> None:
    if not args.get("all_fields") and "field" not in args:
        raise invalid(spec, "field", "this argument is required unless 'all_fields' is true")


def string_replace_rule(spec: ProcessorSpec, args: dict[str, Any]) -> None:
    field_or_all_fields(spec, args)
    if not args["old"]:
        raise invalid(spec, "old", "must not be empty")


def replacement_problem(regexp: str, template: str) -> str | None:
    """Check ``\\1`` / ``\\g<name>`` references against the groups of ``regexp``.

    A pattern with the same groups that matches the empty string lets ``re`` expand the template
    once, which is where Python reports bad group references and bad escapes.
    """
    pattern = re.compile(regexp)
    names = {index: name for name, index in pattern.groupindex.items()}
    shape = "".join(f"(?P<{names[index]}>)" if index in names else "()" for index in range(1, pattern.groups + 1))
    try:
        re.compile(shape).sub(template, "", count=1)
    except (re.error, IndexError) as exc:  # IndexError: an unknown group name
        return f"invalid replacement: {exc}"
    return None


def regexp_replace_rule(spec: ProcessorSpec, args: dict[str, Any]) -> None:
    field_or_all_fields(spec, args)
    problem = replacement_problem(args["regexp"], args["new"])
    if problem is not None:
        raise invalid(spec, "new", problem)


def split_rule(spec: ProcessorSpec, args: dict[str, Any]) -> None:
    if not args["separator"]:
        raise invalid(spec, "separator", "must not be empty")
    args.setdefault("output_field", args["field"])


def date_normalizer_rule(spec: ProcessorSpec, args: dict[str, Any]) -> None:
    args.setdefault("output_field", args["field"])


def string_extractor_rule(spec: ProcessorSpec, args: dict[str, Any]) -> None:
    groups = re.compile(args["regexp"]).groupindex
    if not groups:
        raise invalid(spec, "regexp", "must contain at least one named group such as (?P<name>…)")
    for group in groups:
        problem = output_field_problem(None, group)
        if problem is not None:
            raise invalid(spec, "regexp", f"group name {problem}")


def create_geopoint_rule(spec: ProcessorSpec, args: dict[str, Any]) -> None:
    pair = [name for name in ("latitude_field", "longitude_field") if name in args]
    if "field" in args and pair:
        raise invalid(spec, "field", "give either 'field' or 'latitude_field' and 'longitude_field', not both")
    if "field" in args:
        return
    if not pair:
        raise invalid(
            spec, "field", "give either 'field' (one 'lat,lon' text) or 'latitude_field' and 'longitude_field'"
        )
    if len(pair) == 1:
        missing = "longitude_field" if pair[0] == "latitude_field" else "latitude_field"
        raise invalid(spec, missing, f"this argument is required with '{pair[0]}'")


def skip_record_rule(spec: ProcessorSpec, args: dict[str, Any]) -> None:
    if "condition" in args and ("field" in args or "value" in args):
        raise invalid(spec, "condition", "give either 'condition' or 'field' and 'value', not both")
    if "condition" in args:
        return
    if "value" in args and "field" not in args:
        raise invalid(spec, "field", "this argument is required with 'value'")
    if "field" not in args:
        raise invalid(spec, "condition", "give either 'condition' (an expression) or 'field' and 'value'")
    args.setdefault("value", "")


def output_defaults_to(argument: str) -> Callable[[ProcessorSpec, dict[str, Any]], None]:
    """A rule giving ``output_field`` the value of ``argument`` when it is not set."""

    def rule(spec: ProcessorSpec, args: dict[str, Any]) -> None:
        args.setdefault("output_field", args[argument])

    return rule


def geo_distance_rule(spec: ProcessorSpec, args: dict[str, Any]) -> None:
    if ("to_field" in args) == ("point" in args):
        raise invalid(spec, "to_field", "give either 'to_field' (a geo point field) or 'point' (a fixed 'lat,lon')")


def geojoin_rule(spec: ProcessorSpec, args: dict[str, Any]) -> None:
    """The dataset joined with must be published and open to everyone, with the fields named."""
    problem = reference_problem(args["dataset_id"], args.get("shape_field"), args.get("fields"))
    if problem is not None:
        raise invalid(spec, *problem)


def delete_record_rule(spec: ProcessorSpec, args: dict[str, Any]) -> None:
    skip_record_rule(spec, args)
    if "condition" not in args and not args["value"] and not args["exact_match"]:
        raise invalid(spec, "value", "must not be empty when 'exact_match' is false (every record contains it)")


RULES: dict[str, Callable[[ProcessorSpec, dict[str, Any]], None]] = {
    "string_replace": string_replace_rule,
    "regexp_replace": regexp_replace_rule,
    "unicode_normalize": field_or_all_fields,
    "decode_html": field_or_all_fields,
    "split": split_rule,
    "date_normalizer": date_normalizer_rule,
    "string_extractor": string_extractor_rule,
    "create_geopoint": create_geopoint_rule,
    "skip_record": skip_record_rule,
    "delete_record": delete_record_rule,
    "geo_distance": geo_distance_rule,
    "geojoin": geojoin_rule,
    "transform_coordinates": output_defaults_to("field"),
    "expand_json_array": output_defaults_to("json_array_field"),
}

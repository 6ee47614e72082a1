"""The back-office's step forms, generated from the catalogues: pick a processor or a field specification, then
fill one input per argument of it (``ArgumentsForm``), turned back into the ``args`` the services expect.

The inputs follow the argument types of ``datasets.pipeline.processors.catalogue``: a ``field`` is a select of
the fields at the step's place in the stack (``StepInputs``), ``fields`` a multiple select, a ``boolean`` a
checkbox, a ``choice`` a select, ``timezone`` and ``date_format`` texts with suggestions, the others texts. Field
specifications describe their arguments in ``datasets.pipeline.specifications.SPECIFICATIONS``; the few whose
catalogue type is too loose for an input (a "list") get a closer one here. The form checks only what an input
can; the services check the rest and their errors come back on the argument they name.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from typing import Any

from django import forms

from core.errors import ManagementAPIError
from datasets.backoffice.step_widgets import DatalistInput, NameListField
from datasets.pipeline.processors.catalogue import SPECS, Argument
from datasets.pipeline.processors.guess import date_format_suggestions
from datasets.pipeline.specifications import ANNOTATIONS, SPECIFICATIONS
from datasets.services.step_inputs import StepInputs

PROCESSOR, SPECIFICATION = "processor", "specification"
ARGUMENT_PREFIX = "arg_"  # the inputs' ids are id_arg_<argument>
# Specification arguments whose catalogue type says too little for an input: (specification, argument) -> type.
SPECIFICATION_INPUTS = {
    ("order", "args"): "field_order",
    ("annotate", "args"): "annotation_args",
    ("description", "description"): "nullable_text",
}
LIST_TYPES = ("fields", "names", "field_order")
GEOPOINT_PAIR = ("latitude_field", "longitude_field")


@dataclass(frozen=True)
class Step:
    """A processor or a field specification as the form offers it; ``key`` is ``<kind>:<name>``."""

    kind: str
    name: str
    label: str
    description: str
    arguments: tuple[Argument, ...]

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"

    @property
    def whole_args(self) -> bool:
        """The ``order`` specification's args are the list itself, not an object holding it."""
        return self.kind == SPECIFICATION and self.name == "order"


def specification_argument(specification: str, described: dict[str, Any]) -> Argument:
    """A specification's argument (a dict of its catalogue) as a processor-style ``Argument``."""
    choices = described.get("choices")
    type_ = SPECIFICATION_INPUTS.get((specification, described["name"])) or ("choice" if choices else described["type"])
    return Argument(
        described["name"],
        described["label"],
        type_,
        described["description"],
        required=described["is_mandatory"],
        choices=tuple(choices) if choices else None,
    )


def catalogue_steps() -> dict[str, Step]:
    """Every step a publisher may add: the processors by name, then the field specifications in their order."""
    processors = [Step(PROCESSOR, s.name, s.label, s.description, s.arguments) for s in SPECS.values()]
    specifications = [
        Step(
            SPECIFICATION,
            spec["name"],
            spec["label"],
            spec["description"],
            tuple(specification_argument(spec["name"], arg) for arg in spec["arguments"]),
        )
        for spec in SPECIFICATIONS
    ]
    return {step.key: step for step in processors + specifications}


STEPS = catalogue_steps()


def step_choices() -> list[Any]:
    """The grouped choices of the step select: label and technical name of each step."""

    def group(kind: str) -> list[tuple[str, str]]:
        return [(step.key, f"{step.label} ({step.name})") for step in STEPS.values() if step.kind == kind]

    return [("", "Choose a step…"), ("Processors", group(PROCESSOR)), ("Field specifications", group(SPECIFICATION))]


class StepChoiceForm(forms.Form):
    """The step select, sent by GET (``?step=processor:create_geopoint``) so the page shows its arguments."""

    step = forms.ChoiceField(
        label="Step",
        choices=step_choices,
        help_text="A processor changes the records before the fields are typed; a field specification then "
        "renames, types or describes the fields. Choosing one shows its arguments.",
    )

    def chosen(self) -> Step | None:
        return STEPS[self.cleaned_data["step"]] if self.is_valid() else None


# --- one input per argument --------------------------------------------------------------------


def common(argument: Argument, required: bool | None = None) -> dict[str, Any]:
    """Label, required mark and help of an argument's input (its description, and its default if any)."""
    required = argument.required if required is None else required
    help_text = argument.description
    if argument.default not in (None, "", False) and argument.type != "boolean":
        shown = repr(argument.default) if argument.type == "string" else argument.default
        help_text += f" Default: {shown}."
    label = f"{argument.label} (required)" if required else argument.label
    return {"label": label, "required": required, "help_text": help_text}


def field_text(field: dict[str, Any]) -> str:
    """How a field is listed: its technical name (what the arguments take), its label if other, its type."""
    label = field.get("label") or field["name"]
    if label == field["name"]:
        return f"{field['name']} ({field['type']})"
    return f"{field['name']} ({label}, {field['type']})"


def field_choices(inputs: StepInputs) -> list[tuple[str, str]]:
    return [(field["name"], field_text(field)) for field in inputs.fields]


def text_input(argument: Argument, inputs: StepInputs | None) -> forms.Field:
    # Not stripped: a separator or a replacement may be a space.
    return forms.CharField(strip=argument.type not in ("string", "regexp"), **common(argument))


def field_input(argument: Argument, inputs: StepInputs | None) -> forms.Field:
    if inputs is None:
        return text_input(argument, inputs)
    blank = [("", "Choose a field…" if argument.required else "— (not used)")]
    return forms.ChoiceField(choices=blank + field_choices(inputs), **common(argument))


def fields_input(argument: Argument, inputs: StepInputs | None) -> forms.Field:
    if inputs is None:
        return names_input(argument, inputs)
    widget = forms.SelectMultiple(attrs={"size": min(max(len(inputs.fields), 2), 10)})
    return forms.MultipleChoiceField(choices=field_choices(inputs), widget=widget, **common(argument))


def names_input(argument: Argument, inputs: StepInputs | None) -> forms.Field:
    field = NameListField(**common(argument))
    field.help_text += " Separate the names by commas."
    return field


def field_order_input(argument: Argument, inputs: StepInputs | None) -> forms.Field:
    # A multiple select would lose the order the publisher means: names are written in order instead.
    field = names_input(argument, inputs)
    if inputs is not None:
        field.help_text += " Fields here: " + ", ".join(item["name"] for item in inputs.fields) + "."
    return field


def boolean_input(argument: Argument, inputs: StepInputs | None) -> forms.Field:
    # Unchecked is false: a checkbox cannot be "not given", and every boolean of the catalogue is optional.
    return forms.BooleanField(initial=bool(argument.default), **common(argument, required=False))


def choice_input(argument: Argument, inputs: StepInputs | None) -> forms.Field:
    choices = [(choice, choice) for choice in argument.choices or ()]
    blank = ("", "Choose…") if argument.required else ("", f"Default ({argument.default})")
    return forms.ChoiceField(choices=[blank, *choices], **common(argument))


def date_format_input(argument: Argument, inputs: StepInputs | None) -> forms.Field:
    formats = inputs.date_formats if inputs is not None else date_format_suggestions({}, [])
    return forms.CharField(widget=DatalistInput(formats), **common(argument))


def timezone_input(argument: Argument, inputs: StepInputs | None) -> forms.Field:
    return forms.CharField(widget=DatalistInput(sorted(zoneinfo.available_timezones())), **common(argument))


def textarea_input(argument: Argument, inputs: StepInputs | None) -> forms.Field:
    return forms.CharField(strip=False, widget=forms.Textarea(attrs={"rows": 3}), **common(argument))


def nullable_text_input(argument: Argument, inputs: StepInputs | None) -> forms.Field:
    field = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common(argument, required=False))
    field.help_text += " Leave it empty to clear the description."
    return field


def annotation_args_input(argument: Argument, inputs: StepInputs | None) -> forms.Field:
    """The one argument an annotation may take; which one depends on the annotation, told in the help."""
    takes = [f"{name}: {annotation_argument_text(arg)}" for name, item in ANNOTATIONS.items() for arg in item["args"]]
    help_text = "Only for the annotations taking one. " + "; ".join(takes) + "."
    return forms.CharField(label="Annotation argument", required=False, max_length=255, help_text=help_text)


def annotation_argument_text(arg: dict[str, Any]) -> str:
    if arg["type"] == "int":
        return f"{arg['name']} from {arg['min']} to {arg['max']}"
    choices = list(arg.get("choices", ()))
    if not choices:
        return arg["name"]
    return f"{arg['name']} ({', '.join(choices[:6])}{', …' if len(choices) > 6 else ''})"


INPUTS = {
    "field": field_input,
    "fields": fields_input,
    "field_order": field_order_input,
    "names": names_input,
    "boolean": boolean_input,
    "choice": choice_input,
    "date_format": date_format_input,
    "timezone": timezone_input,
    "expression": textarea_input,
    "nullable_text": nullable_text_input,
    "annotation_args": annotation_args_input,
}


def argument_input(argument: Argument, inputs: StepInputs | None) -> forms.Field:
    """The input of ``argument`` (a text input for the types without a closer one)."""
    return INPUTS.get(argument.type, text_input)(argument, inputs)


def guessed_initial(step: Step, inputs: StepInputs | None) -> dict[str, str]:
    """Field arguments prefilled with their best guess, a field for one argument only.

    ``create_geopoint`` takes a latitude and longitude pair or one 'lat,lon' field, not both: a complete pair
    wins, and half a pair is dropped.
    """
    guesses = inputs.guesses if inputs is not None else {}
    chosen: dict[str, str] = {}
    for argument in step.arguments:
        candidates = [name for name in guesses.get(argument.name, []) if name not in chosen.values()]
        if argument.type == "field" and candidates:
            chosen[argument.name] = candidates[0]
    if all(name in chosen for name in GEOPOINT_PAIR):
        chosen.pop("field", None)
    else:
        for name in GEOPOINT_PAIR:
            chosen.pop(name, None)
    return {ARGUMENT_PREFIX + name: value for name, value in chosen.items()}


def argument_value(argument: Argument, given: Any) -> tuple[bool, Any]:
    """(whether ``args`` gets the argument, its value) from a cleaned input: empty optional inputs are left
    out (the services fill the defaults), booleans only when they differ from the default."""
    if argument.type == "nullable_text":
        return True, given or None
    if argument.type == "boolean":
        return given != bool(argument.default), given
    if argument.type == "annotation_args":
        return bool(given), [given]
    if given in (None, "", []):
        return False, None
    return True, list(given) if argument.type in LIST_TYPES else given


class ArgumentsForm(forms.Form):
    """The processor's label (processors only) and one input per argument of ``step``."""

    def __init__(self, step: Step, inputs: StepInputs | None, data: Any = None) -> None:
        super().__init__(data=data, initial=guessed_initial(step, inputs))
        self.step = step
        if step.kind == PROCESSOR:
            help_text = "Optional: how this step is named in the dataset's processing."
            self.fields["label"] = forms.CharField(label="Label", required=False, max_length=255, help_text=help_text)
        for argument in step.arguments:
            self.fields[ARGUMENT_PREFIX + argument.name] = argument_input(argument, inputs)

    def args(self) -> Any:
        """The ``args`` of the services, from the cleaned inputs."""
        values: dict[str, Any] = {}
        for argument in self.step.arguments:
            given, value = argument_value(argument, self.cleaned_data.get(ARGUMENT_PREFIX + argument.name))
            if given:
                values[argument.name] = value
        if self.step.whole_args:
            return values.get("args", [])
        return values

    def attach(self, error: ManagementAPIError) -> None:
        """Show a service's refusal on the input of the argument it names, else above the form."""
        key = ARGUMENT_PREFIX + str(error.raw_params.get("argument"))
        if key in self.fields:
            self.add_error(key, str(error))
        elif error.raw_params.get("field") == "label" and "label" in self.fields:
            self.add_error("label", str(error))
        else:
            self.add_error(None, str(error))

"""The forms of the guided new-dataset flow (``views.guide``): the source, the format, the fields, the
description and the access policy. Each only shapes what a publisher types; the services behind the views
(those of the management API) validate it and their refusals come back on the form."""

from __future__ import annotations

from typing import Any

from django import forms

from datasets.metadata_templates.definitions import Template, get_template
from datasets.models import Dataset
from datasets.pipeline.core import FIELD_TYPES
from datasets.pipeline.extractors import EXTRACTORS

# The metadata a new dataset is described with in the guide; the others stay on the metadata pages.
DESCRIBED = ("title", "description", "keyword", "theme", "license")


class SourceForm(forms.Form):
    """A file to upload or an http(s) URL (exactly one), and optionally the dataset's identifier."""

    file = forms.FileField(label="Upload a file", required=False, help_text="CSV, JSON, GeoJSON or XLSX.")
    url = forms.CharField(
        label="Or give a URL",
        required=False,
        max_length=2000,
        help_text="An http(s) address; the file is fetched again at each publish.",
    )
    dataset_id = forms.CharField(
        label="Identifier",
        required=False,
        max_length=100,
        help_text="The dataset's name in its public address. Leave empty to make one from the file's name; "
        "it can be changed until the dataset is published.",
    )

    def clean(self):
        data = super().clean()
        has_file, has_url = bool(data.get("file")), bool((data.get("url") or "").strip())
        if has_file == has_url:
            raise forms.ValidationError("Upload a file or give a URL (one of the two).")
        return data


def extractor_parameters(extractor: str) -> list[dict[str, Any]]:
    """The catalogued parameters of ``extractor`` (empty for an unknown one)."""
    found = next((item for item in EXTRACTORS if item["type"] == extractor), None)
    return list(found["parameters"]) if found else []


def extractor_label(extractor: str) -> str:
    return next((item["label"] for item in EXTRACTORS if item["type"] == extractor), extractor)


def parameter_field(parameter: dict[str, Any]) -> forms.Field:
    """A form field for one extractor parameter (string, boolean, integer or a list of values)."""
    common: dict[str, Any] = {"label": parameter["label"], "help_text": parameter["description"], "required": False}
    if parameter.get("choices"):
        return forms.ChoiceField(choices=[(str(c), str(c)) for c in parameter["choices"]], **common)
    if parameter["type"] == "boolean":
        return forms.BooleanField(**common)
    if parameter["type"] == "integer":
        return forms.IntegerField(**common)
    if parameter["type"] == "array":
        common["help_text"] += " One value per line; empty for the default."
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    return forms.CharField(strip=False, **common)


class FormatForm(forms.Form):
    """A resource's extractor parameters, one input each, filled with what the platform guessed."""

    prefix = "format"

    def __init__(self, extractor: str, params: dict[str, Any], data=None) -> None:
        self.parameters = extractor_parameters(extractor)
        initial = {p["name"]: self.initial_value(p, params.get(p["name"], p["default"])) for p in self.parameters}
        super().__init__(data, initial=initial)
        for parameter in self.parameters:
            self.fields[parameter["name"]] = parameter_field(parameter)

    @staticmethod
    def initial_value(parameter: dict[str, Any], value: Any) -> Any:
        if parameter["type"] == "array":
            return "\n".join(str(item) for item in value or ())
        return value

    def params(self, current: dict[str, Any]) -> dict[str, Any]:
        """``current`` with the form's values; an empty list or text stands for the parameter's default."""
        params = dict(current)
        for parameter in self.parameters:
            name, value = parameter["name"], self.cleaned_data.get(parameter["name"])
            if parameter["type"] == "array":
                value = [line.strip() for line in (value or "").splitlines() if line.strip()] or parameter["default"]
            elif value in (None, ""):
                value = parameter["default"]
            params[name] = value
        return {name: value for name, value in params.items() if value is not None}


TYPE_CHOICES = [(name, name) for name in FIELD_TYPES]


class FieldRowForm(forms.Form):
    """One field of the dataset: its technical name, its label and its type, as the publisher wants them."""

    name = forms.CharField(max_length=63)
    label = forms.CharField(max_length=255, required=False)
    type = forms.ChoiceField(choices=TYPE_CHOICES)


def field_forms(fields: list[dict[str, Any]], data=None) -> list[FieldRowForm]:
    """One row form per previewed field, prefixed by its position so renamed fields keep their row."""
    return [
        FieldRowForm(
            data,
            prefix=f"field-{index}",
            initial={"name": field["name"], "label": field["label"], "type": field["type"]},
        )
        for index, field in enumerate(fields)
    ]


def described_template() -> Template:
    """The default template reduced to the fields the guide asks for (same definitions, same validation)."""
    template = get_template("default")
    assert template is not None  # the default template always exists
    fields = tuple(field for field in template.fields if field.name in DESCRIBED)
    return Template(name=template.name, label=template.label, purpose=template.purpose, fields=fields)


class AccessForm(forms.Form):
    """The dataset's access policy."""

    visibility = forms.ChoiceField(
        label="Who may see the dataset once published",
        choices=[
            (Dataset.Visibility.DOMAIN, "Everyone: the dataset is public"),
            (Dataset.Visibility.RESTRICTED, "Only the users and groups it is shared with"),
        ],
        widget=forms.RadioSelect,
    )

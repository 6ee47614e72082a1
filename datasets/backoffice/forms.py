"""The back-office's forms: rulesets (an inline of the dataset admin), metadata by template, resources and
schedules (processing steps: ``step_forms``). Each checks only what a form can; the services behind the views
(those of the management API) check the rest and their refusals come back on the form."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join

from core.errors import InvalidFieldError, InvalidManagementAPIRequestError, ManagementAPIError
from datasets.access.caller import Caller
from datasets.metadata_templates.definitions import FieldDefinition
from datasets.models import Dataset, Ruleset, Schedule
from datasets.pipeline.extractors import EXTRACTORS
from datasets.services.schedules import readable, schedule_add, schedule_update
from datasets.services.security import check_granted, validated_ruleset
from datasets.services.security_state import RULESET_ATTRIBUTES


class RulesetForm(forms.ModelForm):
    """Checks a ruleset as the API does (fields, ODSQL filter, quota, permissions, target, and that it grants
    only rights ``grantor`` holds: the inline sets it to the signed-in user)."""

    grantor: Caller | None = None

    class Meta:
        model = Ruleset
        fields = ["kind", "user", "group", *RULESET_ATTRIBUTES]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        targets = {Ruleset.Kind.USER: "user", Ruleset.Kind.GROUP: "group"}
        for name in ("user", "group"):
            if (targets.get(kind) == name) != bool(data.get(name)):
                needed = "needs" if targets.get(kind) == name else "takes no"
                raise ValidationError({name: f"A {kind} ruleset {needed} {name}."})
        body = {name: data[name] for name in RULESET_ATTRIBUTES if name in data}
        body.setdefault("permissions", [])
        try:
            data.update(validated_ruleset(self.instance.dataset, body, kind))
            kept = self.instance.permissions if self.instance.pk else ()
            check_granted(self.instance.dataset, data, self.grantor, kept=kept)
        except ManagementAPIError as error:
            errors = error.errors if isinstance(error, InvalidManagementAPIRequestError) else [error]
            raise ValidationError([str(item) for item in errors]) from None
        return data


# Metadata: one form per template, built from the template's field definitions (those the API validates against).

BOOLEAN_CHOICES = [("", "—"), ("true", "Yes"), ("false", "No")]


def choice_list(field: FieldDefinition) -> list[tuple[str, str]]:
    return [(choice, choice) if isinstance(choice, str) else choice for choice in field.choices or ()]


class SuggestingInput(forms.TextInput):
    """A text input offering suggestions (a ``<datalist>``) while any other value may still be typed."""

    def __init__(self, suggestions: list[str], attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.suggestions = suggestions

    def render(self, name, value, attrs=None, renderer=None):
        list_id = f"{(attrs or {}).get('id') or name}-suggestions"
        html = super().render(name, value, {**(attrs or {}), "list": list_id}, renderer)
        options = format_html_join("", '<option value="{}">', ((suggestion,) for suggestion in self.suggestions))
        return html + format_html('<datalist id="{}">{}</datalist>', list_id, options)


def lines_help(field: FieldDefinition) -> str:
    """The help of a list typed one value a line: the template's help as a sentence, then how to type it.

    A template help that tells how to use a tag widget ("Hit Enter after each keyword") becomes the textarea's
    own instruction instead ("One keyword per line.").
    """
    if field.help_text.startswith("Hit Enter"):
        return f"One {field.label.lower()} per line."
    text = field.help_text.strip()
    return f"{text.rstrip('.')}. One value per line." if text else "One value per line."


def metadata_field(field: FieldDefinition) -> forms.Field:
    """The Django form field for one metadata definition; every one is optional (empty means no value)."""
    common: dict[str, Any] = {"label": field.label, "help_text": field.help_text, "required": False}
    if field.type == "boolean":
        return forms.ChoiceField(choices=BOOLEAN_CHOICES, **common)
    if field.type == "int":
        return forms.IntegerField(**common)
    if field.type == "double":
        return forms.FloatField(**common)
    if field.type == "multitext":
        if field.choices:
            return forms.MultipleChoiceField(choices=choice_list(field), **common)
        common["help_text"] = lines_help(field)
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    if field.choices:
        return forms.ChoiceField(choices=[("", "—"), *choice_list(field)], **common)
    if field.type == "html":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), **common)
    if field.widget.get("suggest_values"):
        return forms.CharField(widget=SuggestingInput(field.widget["suggest_values"]), **common)
    return forms.CharField(**common)


def metadata_value(field: FieldDefinition, cleaned: Any) -> Any:
    """A form value as the service expects it: ``None`` when empty, lists for multitext, booleans."""
    if cleaned in (None, "", []):
        return None
    if field.type == "boolean":
        return cleaned == "true"
    if field.type == "multitext" and isinstance(cleaned, str):
        return [line.strip() for line in cleaned.splitlines() if line.strip()] or None
    return cleaned


def metadata_initial(field: FieldDefinition, value: Any) -> Any:
    if value is None:
        return None
    if field.type == "boolean":
        return "true" if value else "false"
    if field.type == "multitext" and not field.choices and isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return value


def metadata_form(template, current: dict[str, Any], data=None) -> forms.Form:
    """The form of ``template``'s values, filled with ``current`` (the stored values)."""
    initial = {f.name: metadata_initial(f, current.get(f.name)) for f in template.fields}
    form = forms.Form(data=data, initial=initial)
    for field in template.fields:
        form.fields[field.name] = metadata_field(field)
    return form


EXTRACTOR_CHOICES = [(e["type"], e["label"]) for e in EXTRACTORS]
GUESS_CHOICE = ("", "Guess from the source")


class ResourceUploadForm(forms.Form):
    file = forms.FileField(label="File")
    title = forms.CharField(label="Title", required=False, max_length=255)
    type = forms.ChoiceField(label="Format", required=False, choices=[("", "Guess from the file"), *EXTRACTOR_CHOICES])


class ResourceUrlForm(forms.Form):
    # A plain text field: the service says what an acceptable URL is, with the API's message.
    url = forms.CharField(label="URL", max_length=2000, help_text="An http(s) URL, fetched again at each publish.")
    title = forms.CharField(label="Title", required=False, max_length=255)
    type = forms.ChoiceField(label="Format", required=False, choices=[GUESS_CHOICE, *EXTRACTOR_CHOICES])


class ResourceEditForm(forms.Form):
    """A resource's title, source (URL or a new upload), format and extractor params (a JSON object)."""

    title = forms.CharField(label="Title", required=False, max_length=255)
    url = forms.CharField(
        label="URL",
        required=False,
        max_length=2000,
        help_text="An http(s) URL, or the odsfile:// URL of the uploaded file. Ignored when a file is uploaded.",
    )
    file = forms.FileField(label="Replace with a file", required=False)
    type = forms.ChoiceField(label="Format", required=False, choices=[GUESS_CHOICE, *EXTRACTOR_CHOICES])
    params = forms.CharField(
        label="Extractor params",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 60, "spellcheck": "false"}),
        help_text="A JSON object. Leave empty to guess the params from the source; they are guessed again too "
        "when the format changes and these are left as they were.",
    )

    def clean_params(self) -> dict[str, Any] | None:
        """The params as an object, or None when they are to be guessed."""
        text = self.cleaned_data["params"].strip()
        if not text:
            return None
        try:
            params = json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(f"Not valid JSON: {error}") from None
        if not isinstance(params, dict):
            raise forms.ValidationError('Expected a JSON object such as {"separator": ";"}.')
        return params

    def clean(self):
        data = super().clean()
        if not data.get("file") and not (data.get("url") or "").strip():
            raise forms.ValidationError("Give a URL or upload a file.")
        return data


def cron_help() -> str:
    """Read when the form is built, so a changed ``SCHEDULE_MIN_INTERVAL`` shows at once."""
    return (
        "Five fields separated by spaces: minute (0-59), hour (0-23), day of month (1-31), month (1-12) "
        "and day of week (0-6, 0 = Sunday); * means every value. For example '0 3 * * *' runs every day "
        "at 03:00 and '30 6 * * 1' every Monday at 06:30, in the time zone below. Two runs must be at "
        f"least {readable(settings.SCHEDULE_MIN_INTERVAL)} apart. A run republishes the data only: it reads "
        "the resources again with the configuration of the last publish (unpublished edits are not used), "
        "and is skipped when no source changed."
    )


class ScheduleForm(forms.Form):
    """The two values a publisher chooses; the services check them and compute the next run."""

    cron_schedule = forms.CharField(label="Cron expression", max_length=100)
    timezone = forms.CharField(
        label="Time zone",
        max_length=64,
        widget=forms.TextInput(attrs={"list": "schedule-timezones", "autocomplete": "off"}),
        help_text="An IANA time zone name, such as Europe/Paris; the expression is read in this zone, "
        "so a run at 03:00 stays at 03:00 local time across daylight saving changes.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cron_schedule"].help_text = cron_help()
        self.fields["timezone"].initial = settings.SCHEDULE_TIME_ZONE

    def save(self, *, dataset: Dataset, schedule: Schedule | None, user) -> Schedule | None:
        """Add or replace through the services; None (with the errors on the form) when refused."""
        body = {"cron_schedule": self.cleaned_data["cron_schedule"], "timezone": self.cleaned_data["timezone"]}
        try:
            if schedule is None:
                return schedule_add(dataset=dataset, body=body, user=user)
            return schedule_update(schedule=schedule, body=body)
        except InvalidFieldError as error:
            field = error.raw_params.get("field")
            self.add_error(field if field in self.fields else None, error.as_dict()["message"])
        except ManagementAPIError as error:
            self.add_error(None, error.as_dict()["message"])
        return None

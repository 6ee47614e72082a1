"""Metadata templates as data: the fields of ``default``, ``internal``, ``visualization``, ``dcat`` and
``asset_content_configuration`` (reference §9.5).

A template is a namespace of metadata fields (reference §9.1); each field carries the form ``definition`` of
§9.4 (type, label, widget, help text, choices). The lookups come in two flavours: ``get_template`` /
``get_field`` answer ``None`` (URL lookups become 404), ``resolve_field`` raises the 400 errors (request bodies).
"""

from __future__ import annotations

import copy
import dataclasses
import zoneinfo
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from core.errors import ManagementAPIError
from datasets.metadata_templates.languages import LANGUAGES

FIELD_TYPES = frozenset({"text", "multitext", "html", "date", "datetime", "boolean", "int", "double"})
CHOICE_TYPES = frozenset({"text", "multitext"})
PURPOSES = frozenset({"general", "admin", "interop"})

# The widget a form shows when a field does not name one; fields with choices get a select instead.
DEFAULT_WIDGETS = {
    "text": "textinput",
    "multitext": "multitextinput",
    "html": "richtextinput",
    "date": "dateinput",
    "datetime": "datetimeinput",
    "boolean": "checkbox",
    "int": "numberinput",
    "double": "numberinput",
}
CHOICE_WIDGETS = {"text": "select", "multitext": "multiselect"}


class UnknownMetadataTemplateError(ManagementAPIError):
    """A request body names a template that does not exist."""

    status_code = 400
    error_key = "UnknownMetadataTemplateException"
    raw_message = "Unknown metadata template '{template}'; known templates: {known}"


class UnknownMetadataFieldError(ManagementAPIError):
    """A request body names a metadata field its template does not define."""

    status_code = 400
    error_key = "UnknownMetadataFieldException"
    raw_message = "Unknown metadata '{name}' in template '{template}'"


def _normalise_choice(choice: Any) -> str | tuple[str, str]:
    """A choice is a string or a ``(value, label)`` pair of strings; JSON-style 2-item lists become tuples."""
    if isinstance(choice, str):
        return choice
    if isinstance(choice, list | tuple) and len(choice) == 2 and all(isinstance(part, str) for part in choice):
        return (choice[0], choice[1])
    raise ValueError(f"a choice must be a string or a [value, label] pair of strings, got {choice!r}")


@dataclass(frozen=True)
class FieldDefinition:
    """One metadata field of a template: its form ``definition`` (§9.4) plus the name of its template.

    ``template`` is filled in by ``Template`` when the field is put in one, so error messages can name it.
    """

    name: str
    type: str
    label: str
    widget: dict
    help_text: str = ""
    choices: tuple | None = None
    template: str = ""

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"unknown metadata type {self.type!r} for field {self.name!r}")
        if not isinstance(self.widget, dict) or not isinstance(self.widget.get("type"), str):
            raise ValueError(f"the widget of field {self.name!r} needs a 'type'")
        if self.choices is None:
            return
        if self.type not in CHOICE_TYPES:
            raise ValueError(f"choices are only allowed on text and multitext fields, not on {self.name!r}")
        # Frozen: normalising the choices once here keeps every later reader simple.
        object.__setattr__(self, "choices", tuple(_normalise_choice(choice) for choice in self.choices))

    @cached_property
    def choice_values(self) -> frozenset[str] | None:
        """The values a choice field accepts (the first item of a pair), or ``None`` without choices."""
        if self.choices is None:
            return None
        return frozenset(choice if isinstance(choice, str) else choice[0] for choice in self.choices)

    def as_dict(self) -> dict[str, Any]:
        """The ``definition`` object of §9.4; ``choices`` only when set, pairs as 2-item lists."""
        data = {
            "name": self.name,
            "type": self.type,
            "label": self.label,
            "widget": copy.deepcopy(self.widget),  # callers may mutate the answer; the template must not change
            "help_text": self.help_text,
        }
        if self.choices is not None:
            data["choices"] = [choice if isinstance(choice, str) else list(choice) for choice in self.choices]
        return data


@dataclass(frozen=True)
class Template:
    """A metadata template: a named group of fields with a purpose (``general``, ``admin`` or ``interop``)."""

    name: str
    label: str
    purpose: str
    fields: tuple[FieldDefinition, ...]

    def __post_init__(self) -> None:
        if self.purpose not in PURPOSES:
            raise ValueError(f"unknown template purpose {self.purpose!r}")
        names = [field.name for field in self.fields]
        if len(names) != len(set(names)):
            raise ValueError(f"duplicate field names in template {self.name!r}")
        owned = tuple(dataclasses.replace(field, template=self.name) for field in self.fields)
        object.__setattr__(self, "fields", owned)

    @cached_property
    def _by_name(self) -> dict[str, FieldDefinition]:
        return {field.name: field for field in self.fields}

    def field(self, name: str) -> FieldDefinition | None:
        """The field called ``name``, or ``None`` when this template has no such field."""
        return self._by_name.get(name) if isinstance(name, str) else None

    def as_dict(self) -> dict[str, str]:
        """The ``template`` object of a metadata object (§9.2)."""
        return {"name": self.name, "label": self.label, "purpose": self.purpose}


def _field(
    name: str,
    type_: str,
    label: str,
    widget: str | None = None,
    *,
    help_text: str = "",
    choices: tuple | None = None,
    suggest_values: tuple[str, ...] | None = None,
) -> FieldDefinition:
    """Shorthand for the tables below: the widget defaults from the type, or to a select when choices are set."""
    if widget is None:
        widget = CHOICE_WIDGETS[type_] if choices is not None else DEFAULT_WIDGETS[type_]
    widget_dict: dict[str, Any] = {"type": widget}
    if suggest_values is not None:
        widget_dict["suggest_values"] = list(suggest_values)
    return FieldDefinition(name, type_, label, widget_dict, help_text=help_text, choices=choices)


THEMES = (
    "Administration, Government, Public finances, Citizenship",
    "Economy, Business, SME, Economic development, Employment",
    "Education, Training, Research, Teaching",
    "Environment",
    "Health",
    "Housing, Development, Town planning, Transport",
    "Culture, Heritage",
    "Sports, Leisure",
    "Justice, Safety, Police, Crime",
    "Spatial planning, Town planning, Buildings, Equipment, Housing",
    "Transport, Movements",
    "Services, Social",
)

LICENSES = (
    "Licence Ouverte (Etalab)",
    "Licence Ouverte v2.0 (Etalab)",
    "Open Government Licence v3.0",
    "Open Database License (ODbL)",
    "Public Domain",
    "CC BY",
    "CC BY-ND",
    "CC BY-NC-ND",
    "CC BY-NC",
    "CC BY-NC-SA",
    "CC BY-SA",
    "CC BY-IGO",
)

TIMEZONES = tuple(sorted(zoneinfo.available_timezones()))

# EU Publications Office frequency vocabulary, as used by DCAT-AP's dct:accrualPeriodicity.
FREQUENCIES = (
    "annual",
    "biannual",
    "bimonthly",
    "biweekly",
    "continuous",
    "daily",
    "irregular",
    "monthly",
    "quarterly",
    "semiannual",
    "triennial",
    "weekly",
    "never",
    "unknown",
)

DEFAULT_FIELDS = (
    _field("title", "text", "Title"),
    _field("description", "html", "Description"),
    _field("keyword", "multitext", "Keyword", "tags", help_text="Hit Enter after each keyword"),
    _field("theme", "multitext", "Theme", "multidatalist", choices=THEMES),
    _field("license", "text", "License", "datalist", suggest_values=LICENSES),
    _field("language", "text", "Language", "select", choices=LANGUAGES),
    _field("timezone", "text", "Timezone", "select", choices=TIMEZONES),
    _field("modified", "datetime", "Modified"),
    _field(
        "modified_updates_on_metadata_change",
        "boolean",
        "Update the modified date when the metadata change",
    ),
    _field("modified_updates_on_data_change", "boolean", "Update the modified date when the data change"),
    _field("geographic_reference", "multitext", "Geographic reference"),
    _field(
        "geographic_reference_auto",
        "boolean",
        "Compute the geographic reference",
        help_text="Derive the geographic reference from the records' geometries",
    ),
    _field("publisher", "text", "Publisher"),
    _field("references", "text", "References", help_text="A web page about the dataset (http or https URL)"),
    _field("attributions", "multitext", "Attributions"),
)

INTERNAL_FIELDS = (
    _field("license_id", "text", "License identifier"),
    _field("theme_id", "multitext", "Theme identifiers"),
    _field(
        "draft",
        "boolean",
        "Draft",
        help_text="If the dataset is a draft, it isn't visible in the dataset list and can't be published",
    ),
)

SORT_DIRECTIONS = (("asc", "Ascending"), ("desc", "Descending"))
# The calendar view's layouts (month grid, week and day agendas).
CALENDAR_VIEWS = (("month", "Month"), ("agendaWeek", "Week"), ("agendaDay", "Day"))

VISUALIZATION_FIELDS = (
    _field("analyze_disabled", "boolean", "Disable the analyze view"),
    _field(
        "analyze_default",
        "text",
        "Default analyze configuration",
        help_text="The analyze form's first state, as a query string: "
        "x=<field>&agg=count|sum|avg|min|max&y=<numeric field>&chart=bar|line|pie, "
        "with period=year|month|day|hour for a date field or width=<number> for a numeric one; "
        "without it the page picks a category, a date histogram or a numeric distribution from the data",
    ),
    _field("table_fields", "multitext", "Fields shown in the table view"),
    _field("table_default_sort_field", "text", "Default sort field of the table view"),
    _field(
        "table_default_sort_direction",
        "text",
        "Default sort direction of the table view",
        choices=SORT_DIRECTIONS,
    ),
    _field("map_disabled", "boolean", "Disable the map view"),
    _field("map_marker_picto", "text", "Map marker pictogram"),
    _field("map_marker_color", "text", "Map marker color", help_text="A hexadecimal color: #rgb or #rrggbb"),
    _field("map_marker_hidemarkershape", "boolean", "Hide the map marker's shape"),
    _field("map_tooltip_title", "text", "Map tooltip title", help_text="The name of the field shown as the title"),
    _field("map_tooltip_fields", "multitext", "Fields shown in the map tooltip"),
    _field("map_tooltip_disabled", "boolean", "Disable the map tooltip"),
    _field("map_tooltip_html_enabled", "boolean", "Use a custom HTML map tooltip"),
    _field("map_tooltip_html", "html", "Map tooltip HTML"),
    _field("map_tooltip_sort_field", "text", "Sort field of the map tooltip"),
    _field("map_tooltip_sort_direction", "text", "Sort direction of the map tooltip", choices=SORT_DIRECTIONS),
    _field("map_basemap", "text", "Map basemap"),
    _field("images_disabled", "boolean", "Disable the images view"),
    _field("media_gallery_fields", "multitext", "Fields shown in the media gallery"),
    _field("image_title", "text", "Image title"),
    _field("image_fields", "multitext", "Image fields"),
    _field("image_tooltip_html_enabled", "boolean", "Use a custom HTML image tooltip"),
    _field("image_tooltip_html", "html", "Image tooltip HTML"),
    _field("calendar_enabled", "boolean", "Enable the calendar view"),
    _field("calendar_event_title", "text", "Calendar event title"),
    _field("calendar_event_start", "text", "Calendar event start"),
    _field("calendar_event_end", "text", "Calendar event end"),
    _field("calendar_tooltip_html_enabled", "boolean", "Use a custom HTML calendar tooltip"),
    _field("calendar_tooltip_html", "html", "Calendar tooltip HTML"),
    _field("calendar_tooltip_fields", "multitext", "Fields shown in the calendar tooltip"),
    _field("calendar_event_color", "text", "Calendar event color", help_text="A hexadecimal color: #rgb or #rrggbb"),
    _field("calendar_available_views", "multitext", "Calendar views offered", choices=CALENDAR_VIEWS),
    _field("calendar_default_view", "text", "Default calendar view", choices=CALENDAR_VIEWS),
    _field("custom_view_enabled", "boolean", "Enable the custom view"),
    _field("custom_view_html", "html", "Custom view HTML"),
    _field("custom_view_css", "text", "Custom view CSS", help_text="A style sheet applied to the custom view"),
    _field("custom_view_icon", "text", "Custom view icon"),
    _field("custom_view_title", "text", "Custom view title"),
    _field("custom_view_slug", "text", "Custom view slug", help_text="The last part of the custom view's URL"),
)

DCAT_FIELDS = (
    _field("created", "date", "Creation date"),
    _field("issued", "datetime", "Issued"),
    _field("creator", "text", "Creator"),
    _field("contributor", "text", "Contributor"),
    _field("contact_name", "text", "Contact name"),
    _field("contact_email", "text", "Contact email"),
    _field("accrual_periodicity", "text", "Update frequency", "select", choices=FREQUENCIES),
    _field("spatial", "text", "Spatial coverage"),
    _field("temporal", "text", "Temporal coverage"),
    _field("granularity", "text", "Granularity"),
    _field("data_quality", "html", "Data quality"),
)

# How the portal searches and shows the dataset's records; the [AUTO] schema types these as lists, held
# here as lists of field names (``records_search_boosts`` as ``field^boost`` items).
ASSET_CONTENT_FIELDS = (
    _field("facets", "multitext", "Fields offered as facets"),
    _field("fields_displayed_in_specific_languages", "multitext", "Fields displayed in specific languages"),
    _field(
        "records_search_boosts",
        "multitext",
        "Records search boosts",
        help_text="field^boost items, e.g. title^2: matches in that field weigh more in full-text search",
    ),
)

TEMPLATES: dict[str, Template] = {
    template.name: template
    for template in (
        Template("default", "Default metadata", "general", DEFAULT_FIELDS),
        Template("internal", "Internal", "admin", INTERNAL_FIELDS),
        Template("visualization", "Visualization", "general", VISUALIZATION_FIELDS),
        Template("dcat", "DCAT", "interop", DCAT_FIELDS),
        Template("asset_content_configuration", "Asset content configuration", "admin", ASSET_CONTENT_FIELDS),
    )
}


def get_template(name: str) -> Template | None:
    """The template called ``name``, or ``None`` (for URL lookups that answer 404)."""
    return TEMPLATES.get(name) if isinstance(name, str) else None


def get_field(template_name: str, field_name: str) -> FieldDefinition | None:
    """The field ``field_name`` of template ``template_name``, or ``None`` when either is unknown."""
    template = get_template(template_name)
    return template.field(field_name) if template is not None else None


def resolve_field(template_name: str, field_name: str) -> FieldDefinition:
    """Like ``get_field`` but raises the 400 errors a request body deserves when either name is unknown."""
    template = get_template(template_name)
    if template is None:
        raise UnknownMetadataTemplateError(template=template_name, known=", ".join(TEMPLATES))
    field = template.field(field_name)
    if field is None:
        raise UnknownMetadataFieldError(template=template_name, name=field_name)
    return field

"""Metadata templates as data (definitions, lookups) and the validation of metadata values."""

import math
import zoneinfo

import pytest

from datasets.metadata_templates import (
    TEMPLATES,
    FieldDefinition,
    InvalidMetadataValueError,
    Template,
    UnknownMetadataFieldError,
    UnknownMetadataTemplateError,
    get_field,
    get_template,
    resolve_field,
    validate_value,
)

TITLE = get_field("default", "title")
DESCRIPTION = get_field("default", "description")
KEYWORD = get_field("default", "keyword")
THEME = get_field("default", "theme")
LANGUAGE = get_field("default", "language")
REFERENCES = get_field("default", "references")
MODIFIED = get_field("default", "modified")
DRAFT = get_field("internal", "draft")
SORT_DIRECTION = get_field("visualization", "table_default_sort_direction")
MARKER_COLOR = get_field("visualization", "map_marker_color")
CREATED = get_field("dcat", "created")
CONTACT_EMAIL = get_field("dcat", "contact_email")
PERIODICITY = get_field("dcat", "accrual_periodicity")
COUNT = FieldDefinition("count", "int", "Count", {"type": "numberinput"}, template="custom")
RATIO = FieldDefinition("ratio", "double", "Ratio", {"type": "numberinput"}, template="custom")


def rejection(field, value):
    """The error ``validate_value`` raises for ``value``."""
    with pytest.raises(InvalidMetadataValueError) as caught:
        validate_value(field, value)
    return caught.value


def reason(field, value):
    return rejection(field, value).raw_params["reason"]


# --- Templates and their fields ---


def test_templates_are_the_five_in_order():
    assert list(TEMPLATES) == ["default", "internal", "visualization", "dcat", "asset_content_configuration"]
    assert [template.as_dict() for template in TEMPLATES.values()] == [
        {"name": "default", "label": "Default metadata", "purpose": "general"},
        {"name": "internal", "label": "Internal", "purpose": "admin"},
        {"name": "visualization", "label": "Visualization", "purpose": "general"},
        {"name": "dcat", "label": "DCAT", "purpose": "interop"},
        {"name": "asset_content_configuration", "label": "Asset content configuration", "purpose": "admin"},
    ]


@pytest.mark.parametrize(
    ("template_name", "field_names"),
    [
        (
            "default",
            [
                "title",
                "description",
                "keyword",
                "theme",
                "license",
                "language",
                "timezone",
                "modified",
                "modified_updates_on_metadata_change",
                "modified_updates_on_data_change",
                "geographic_reference",
                "geographic_reference_auto",
                "publisher",
                "references",
                "attributions",
            ],
        ),
        ("internal", ["license_id", "theme_id", "draft"]),
        (
            "visualization",
            [
                "analyze_disabled",
                "analyze_default",
                "table_fields",
                "table_default_sort_field",
                "table_default_sort_direction",
                "map_disabled",
                "map_marker_picto",
                "map_marker_color",
                "map_marker_hidemarkershape",
                "map_tooltip_title",
                "map_tooltip_fields",
                "map_tooltip_disabled",
                "map_tooltip_html_enabled",
                "map_tooltip_html",
                "map_tooltip_sort_field",
                "map_tooltip_sort_direction",
                "map_basemap",
                "images_disabled",
                "media_gallery_fields",
                "image_title",
                "image_fields",
                "image_tooltip_html_enabled",
                "image_tooltip_html",
                "calendar_enabled",
                "calendar_event_title",
                "calendar_event_start",
                "calendar_event_end",
                "calendar_tooltip_html_enabled",
                "calendar_tooltip_html",
                "calendar_tooltip_fields",
                "calendar_event_color",
                "calendar_available_views",
                "calendar_default_view",
                "custom_view_enabled",
                "custom_view_html",
                "custom_view_css",
                "custom_view_icon",
                "custom_view_title",
                "custom_view_slug",
            ],
        ),
        (
            "dcat",
            [
                "created",
                "issued",
                "creator",
                "contributor",
                "contact_name",
                "contact_email",
                "accrual_periodicity",
                "spatial",
                "temporal",
                "granularity",
                "data_quality",
            ],
        ),
        ("asset_content_configuration", ["facets", "fields_displayed_in_specific_languages", "records_search_boosts"]),
    ],
)
def test_every_template_has_its_fields_and_owns_them(template_name, field_names):
    template = TEMPLATES[template_name]
    assert [field.name for field in template.fields] == field_names
    assert {field.template for field in template.fields} == {template_name}
    assert all(template.field(name) is field for name, field in zip(field_names, template.fields, strict=True))


@pytest.mark.parametrize(
    ("template_name", "field_name", "type_", "widget_type"),
    [
        ("default", "title", "text", "textinput"),
        ("default", "description", "html", "richtextinput"),
        ("default", "keyword", "multitext", "tags"),
        ("default", "theme", "multitext", "multidatalist"),
        ("default", "license", "text", "datalist"),
        ("default", "language", "text", "select"),
        ("default", "timezone", "text", "select"),
        ("default", "modified", "datetime", "datetimeinput"),
        ("default", "modified_updates_on_data_change", "boolean", "checkbox"),
        ("default", "geographic_reference", "multitext", "multitextinput"),
        ("internal", "draft", "boolean", "checkbox"),
        ("internal", "theme_id", "multitext", "multitextinput"),
        ("visualization", "table_default_sort_direction", "text", "select"),
        ("visualization", "custom_view_html", "html", "richtextinput"),
        ("default", "geographic_reference_auto", "boolean", "checkbox"),
        ("visualization", "map_tooltip_html", "html", "richtextinput"),
        ("visualization", "calendar_available_views", "multitext", "multiselect"),
        ("visualization", "calendar_default_view", "text", "select"),
        ("asset_content_configuration", "facets", "multitext", "multitextinput"),
        ("dcat", "created", "date", "dateinput"),
        ("dcat", "issued", "datetime", "datetimeinput"),
        ("dcat", "accrual_periodicity", "text", "select"),
        ("dcat", "data_quality", "html", "richtextinput"),
    ],
)
def test_field_types_and_widgets(template_name, field_name, type_, widget_type):
    field = get_field(template_name, field_name)
    assert (field.type, field.widget["type"]) == (type_, widget_type)


def test_keyword_definition_as_dict():
    assert KEYWORD.as_dict() == {
        "name": "keyword",
        "type": "multitext",
        "label": "Keyword",
        "widget": {"type": "tags"},
        "help_text": "Hit Enter after each keyword",
    }


def test_definition_with_pair_choices_as_dict():
    assert SORT_DIRECTION.as_dict() == {
        "name": "table_default_sort_direction",
        "type": "text",
        "label": "Default sort direction of the table view",
        "widget": {"type": "select"},
        "help_text": "",
        "choices": [["asc", "Ascending"], ["desc", "Descending"]],
    }


def test_definition_with_string_choices_as_dict():
    assert PERIODICITY.as_dict()["choices"] == [
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
    ]


def test_license_suggests_the_documented_licenses_and_has_no_choices():
    definition = get_field("default", "license").as_dict()
    assert definition["widget"] == {
        "type": "datalist",
        "suggest_values": [
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
        ],
    }
    assert "choices" not in definition
    assert validate_value(get_field("default", "license"), "My own licence") == "My own licence"


def test_as_dict_returns_a_copy_of_the_widget():
    definition = get_field("default", "license").as_dict()
    definition["widget"]["suggest_values"].clear()
    assert len(get_field("default", "license").as_dict()["widget"]["suggest_values"]) == 12


def test_language_choices_are_iso_639_1_pairs():
    choices = dict(LANGUAGE.as_dict()["choices"])
    for code, name in [("en", "English"), ("fr", "French"), ("de", "German"), ("it", "Italian"), ("es", "Spanish")]:
        assert choices[code] == name
    for code in ["nl", "pt", "ca", "eu", "ar", "zh", "ja"]:
        assert code in choices
    assert all(len(code) == 2 for code in choices)
    assert len(choices) >= 40


def test_timezone_choices_are_all_zoneinfo_names_sorted():
    assert get_field("default", "timezone").as_dict()["choices"] == sorted(zoneinfo.available_timezones())


def test_theme_choices():
    choices = THEME.as_dict()["choices"]
    assert len(choices) == 12
    assert choices[3] == "Environment"
    assert "Transport, Movements" in choices


# --- Lookups and their errors ---


def test_get_template_and_get_field_answer_none_when_unknown():
    assert get_template("default") is TEMPLATES["default"]
    assert get_template("inspire") is None
    assert get_template(["default"]) is None
    assert get_field("inspire", "title") is None
    assert get_field("default", "keywords") is None
    assert TEMPLATES["default"].field("keywords") is None


def test_resolve_field_returns_the_field():
    assert resolve_field("dcat", "contact_email") is CONTACT_EMAIL


def test_resolve_field_unknown_template():
    with pytest.raises(UnknownMetadataTemplateError) as caught:
        resolve_field("inspire", "title")
    assert caught.value.as_dict() == {
        "status_code": 400,
        "error_key": "UnknownMetadataTemplateException",
        "message": "Unknown metadata template 'inspire'; known templates: default, internal, visualization, dcat, "
        "asset_content_configuration",
        "raw_message": "Unknown metadata template '{template}'; known templates: {known}",
        "raw_params": {
            "template": "inspire",
            "known": "default, internal, visualization, dcat, asset_content_configuration",
        },
    }


def test_resolve_field_unknown_field():
    with pytest.raises(UnknownMetadataFieldError) as caught:
        resolve_field("default", "keywords")
    assert caught.value.as_dict() == {
        "status_code": 400,
        "error_key": "UnknownMetadataFieldException",
        "message": "Unknown metadata 'keywords' in template 'default'",
        "raw_message": "Unknown metadata '{name}' in template '{template}'",
        "raw_params": {"template": "default", "name": "keywords"},
    }


# --- Building definitions ---


def test_choices_accept_strings_and_pairs_and_normalise_lists_to_tuples():
    field = FieldDefinition("unit", "text", "Unit", {"type": "select"}, choices=["m", ["km", "Kilometre"]])
    assert field.choices == ("m", ("km", "Kilometre"))
    assert field.choice_values == frozenset({"m", "km"})
    assert field.as_dict()["choices"] == ["m", ["km", "Kilometre"]]


@pytest.mark.parametrize("bad_choice", [1, None, ["a"], ["a", "b", "c"], ("a", 2), {"a": "b"}])
def test_other_choice_values_are_rejected(bad_choice):
    with pytest.raises(ValueError, match="a choice must be a string or a \\[value, label\\] pair"):
        FieldDefinition("unit", "text", "Unit", {"type": "select"}, choices=("m", bad_choice))


def test_choices_only_on_text_and_multitext():
    with pytest.raises(ValueError, match="choices are only allowed on text and multitext fields"):
        FieldDefinition("n", "int", "N", {"type": "numberinput"}, choices=("1",))


def test_unknown_type_and_missing_widget_type_are_rejected():
    with pytest.raises(ValueError, match="unknown metadata type 'string'"):
        FieldDefinition("n", "string", "N", {"type": "textinput"})
    with pytest.raises(ValueError, match="the widget of field 'n' needs a 'type'"):
        FieldDefinition("n", "text", "N", {})


def test_template_sets_its_name_on_fields_and_rejects_duplicates():
    field = FieldDefinition("code", "text", "Code", {"type": "textinput"})
    template = Template("custom", "Custom", "general", (field,))
    assert template.field("code").template == "custom"
    assert field.template == ""
    with pytest.raises(ValueError, match="duplicate field names in template 'custom'"):
        Template("custom", "Custom", "general", (field, field))
    with pytest.raises(ValueError, match="unknown template purpose 'public'"):
        Template("custom", "Custom", "public", (field,))


# --- None ---


@pytest.mark.parametrize("field", [TITLE, DESCRIPTION, KEYWORD, MODIFIED, DRAFT, CREATED, COUNT, RATIO])
def test_none_is_always_accepted(field):
    assert validate_value(field, None) is None


# --- text ---


def test_text_is_stripped():
    assert validate_value(TITLE, "  Street trees \n") == "Street trees"


def test_blank_text_means_no_value():
    assert validate_value(TITLE, "   ") is None
    assert validate_value(REFERENCES, "") is None


def test_text_length_limit():
    assert validate_value(TITLE, "x" * 5000) == "x" * 5000
    assert reason(TITLE, "x" * 5001) == "must be at most 5000 characters, got 5001"


@pytest.mark.parametrize(
    ("value", "expected_reason"),
    [
        (12, "expected a string, got int"),
        (1.5, "expected a string, got float"),
        (True, "expected a string, got bool"),
        (["a"], "expected a string, got list"),
        ({"a": 1}, "expected a string, got dict"),
    ],
)
def test_text_refuses_other_types(value, expected_reason):
    assert reason(TITLE, value) == expected_reason


def test_text_rejection_envelope():
    assert rejection(TITLE, 12).as_dict() == {
        "status_code": 400,
        "error_key": "InvalidMetadataValueException",
        "message": "Invalid value for metadata default.title: expected a string, got int",
        "raw_message": "Invalid value for metadata {template}.{name}: {reason}",
        "raw_params": {"template": "default", "name": "title", "reason": "expected a string, got int"},
    }


def test_text_choices():
    assert validate_value(LANGUAGE, " fr ") == "fr"
    assert validate_value(SORT_DIRECTION, "desc") == "desc"
    assert validate_value(PERIODICITY, "monthly") == "monthly"
    assert validate_value(get_field("default", "timezone"), "Europe/Paris") == "Europe/Paris"


def test_text_choice_refused_with_exact_message():
    error = rejection(LANGUAGE, "xx")
    assert str(error) == "Invalid value for metadata default.language: 'xx' is not one of the allowed choices"
    assert reason(SORT_DIRECTION, "Ascending") == "'Ascending' is not one of the allowed choices"
    assert (
        reason(get_field("default", "timezone"), "Mars/Olympus") == "'Mars/Olympus' is not one of the allowed choices"
    )


@pytest.mark.parametrize("url", ["https://example.org/trees", "http://example.org", " https://example.org/a?b=c "])
def test_references_accepts_http_urls(url):
    assert validate_value(REFERENCES, url) == url.strip()


@pytest.mark.parametrize("url", ["ftp://example.org", "example.org", "https://", "javascript:alert(1)", "http://a b"])
def test_references_refuses_other_urls(url):
    assert reason(REFERENCES, url) == f"{url!r} is not an http or https URL"


def test_contact_email():
    assert validate_value(CONTACT_EMAIL, " data@example.org ") == "data@example.org"
    assert reason(CONTACT_EMAIL, "data.example.org") == "'data.example.org' is not an email address"
    assert reason(CONTACT_EMAIL, "data@localhost") == "'data@localhost' is not an email address"
    assert reason(CONTACT_EMAIL, "a b@example.org") == "'a b@example.org' is not an email address"


def test_map_marker_color():
    assert validate_value(MARKER_COLOR, "#fa0") == "#fa0"
    assert validate_value(MARKER_COLOR, "#FFAA00") == "#FFAA00"
    for bad in ["red", "#ffaa0", "ffaa00", "#ggg", "#ffaa0011"]:
        assert reason(MARKER_COLOR, bad) == f"{bad!r} is not a color; expected #rgb or #rrggbb"


def test_extra_checks_only_apply_to_their_field():
    assert validate_value(get_field("default", "publisher"), "red") == "red"


# --- html ---


def test_html_keeps_formatting():
    html = "<p><strong>Trees</strong> of the <em>city</em></p><ul><li>one</li></ul>"
    assert validate_value(DESCRIPTION, html) == html


def test_html_removes_script_and_event_handlers():
    html = '<p onclick="steal()"><strong>Hi</strong></p><script>alert("x")</script>'
    assert validate_value(DESCRIPTION, html) == "<p><strong>Hi</strong></p>"


def test_html_drops_javascript_urls_and_keeps_safe_links():
    html = '<a href="javascript:alert(1)">bad</a> <a href="https://example.org" title="T">good</a>'
    assert validate_value(DESCRIPTION, html) == (
        '<a rel="noopener noreferrer">bad</a> '
        '<a href="https://example.org" title="T" rel="noopener noreferrer">good</a>'
    )


def test_html_keeps_images_tables_and_headings():
    html = (
        '<h2>Title</h2><img src="https://example.org/a.png" alt="A">'
        "<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>"
    )
    assert validate_value(DESCRIPTION, html) == html


def test_html_strips_unknown_tags_and_attributes():
    html = '<div class="x"><span style="color:red">text</span></div><iframe src="https://e.org"></iframe>'
    assert validate_value(DESCRIPTION, html) == "text"


def test_html_with_nothing_left_means_no_value():
    assert validate_value(DESCRIPTION, "<script>alert(1)</script>  ") is None


def test_html_length_limit():
    assert validate_value(DESCRIPTION, "x" * 100_000) == "x" * 100_000
    assert reason(DESCRIPTION, "x" * 100_001) == "must be at most 100000 characters, got 100001"


def test_html_refuses_other_types():
    assert reason(DESCRIPTION, ["<p>x</p>"]) == "expected an HTML string, got list"
    assert str(rejection(get_field("dcat", "data_quality"), 3)) == (
        "Invalid value for metadata dcat.data_quality: expected an HTML string, got int"
    )


# --- multitext ---


def test_multitext_strips_drops_empty_and_duplicates_keeping_first():
    value = [" nature ", "trees", "", "  ", "nature", "Trees", "trees "]
    assert validate_value(KEYWORD, value) == ["nature", "trees", "Trees"]


def test_multitext_with_nothing_left_means_no_value():
    assert validate_value(KEYWORD, []) is None
    assert validate_value(KEYWORD, ["", " "]) is None


@pytest.mark.parametrize(
    ("value", "expected_reason"),
    [
        ("nature", "expected a list of strings, got str"),
        (("a", "b"), "expected a list of strings, got tuple"),
        ({"a": 1}, "expected a list of strings, got dict"),
        (3, "expected a list of strings, got int"),
        (["a", 2], "expected a list of strings, item 1 is int"),
        ([None], "expected a list of strings, item 0 is NoneType"),
        ([["a"]], "expected a list of strings, item 0 is list"),
    ],
)
def test_multitext_refuses_other_shapes(value, expected_reason):
    assert reason(KEYWORD, value) == expected_reason


def test_multitext_item_limit_counts_distinct_items():
    assert validate_value(KEYWORD, [f"k{n}" for n in range(500)]) == [f"k{n}" for n in range(500)]
    assert validate_value(KEYWORD, ["same"] * 600) == ["same"]
    assert reason(KEYWORD, [f"k{n}" for n in range(501)]) == "must have at most 500 items, got 501"


def test_multitext_item_length_limit():
    assert reason(KEYWORD, ["ok", "x" * 5001]) == "must be at most 5000 characters, got 5001"


def test_multitext_choices():
    assert validate_value(THEME, [" Environment", "Health", "Environment"]) == ["Environment", "Health"]
    error = rejection(THEME, ["Environment", "Urban planning"])
    assert str(error) == "Invalid value for metadata default.theme: 'Urban planning' is not one of the allowed choices"


# --- date ---


@pytest.mark.parametrize(("value", "expected"), [("2024-03-01", "2024-03-01"), (" 2024-02-29 ", "2024-02-29")])
def test_date_accepted(value, expected):
    assert validate_value(CREATED, value) == expected


@pytest.mark.parametrize(
    ("value", "expected_reason"),
    [
        ("2023-02-29", "'2023-02-29' is not a real date"),
        ("2024-13-01", "'2024-13-01' is not a real date"),
        ("20240301", "'20240301' is not a date in the form YYYY-MM-DD"),
        ("2024-03-01T10:00:00", "'2024-03-01T10:00:00' is not a date in the form YYYY-MM-DD"),
        ("01/03/2024", "'01/03/2024' is not a date in the form YYYY-MM-DD"),
        ("٢٠٢٤-٠٣-٠١", "'٢٠٢٤-٠٣-٠١' is not a date in the form YYYY-MM-DD"),
        (20240301, "expected a date string YYYY-MM-DD, got int"),
    ],
)
def test_date_refused(value, expected_reason):
    assert reason(CREATED, value) == expected_reason


# --- datetime ---


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-01T10:00:00", "2024-03-01T10:00:00+00:00"),
        ("2024-03-01T10:00:00Z", "2024-03-01T10:00:00+00:00"),
        ("2024-03-01T11:00:00+01:00", "2024-03-01T10:00:00+00:00"),
        ("2024-03-01T00:30:00-02:00", "2024-03-01T02:30:00+00:00"),
        ("2024-03-01T10:00:00.250000+00:00", "2024-03-01T10:00:00.250000+00:00"),
        ("2024-03-01", "2024-03-01T00:00:00+00:00"),
    ],
)
def test_datetime_normalised_to_utc(value, expected):
    assert validate_value(MODIFIED, value) == expected


@pytest.mark.parametrize(
    ("value", "expected_reason"),
    [
        ("yesterday", "'yesterday' is not an ISO 8601 datetime"),
        ("2024-02-30T10:00:00", "'2024-02-30T10:00:00' is not an ISO 8601 datetime"),
        ("0001-01-01T00:00:00+01:00", "'0001-01-01T00:00:00+01:00' is out of the supported datetime range"),
        (1709287200, "expected an ISO 8601 datetime string, got int"),
    ],
)
def test_datetime_refused(value, expected_reason):
    assert reason(MODIFIED, value) == expected_reason


# --- boolean ---


def test_boolean_accepts_real_booleans():
    assert validate_value(DRAFT, True) is True
    assert validate_value(DRAFT, False) is False


@pytest.mark.parametrize(
    ("value", "expected_reason"),
    [
        ("true", "expected a boolean, got str"),
        (1, "expected a boolean, got int"),
        (0.0, "expected a boolean, got float"),
    ],
)
def test_boolean_refuses_other_values(value, expected_reason):
    assert str(rejection(DRAFT, value)) == f"Invalid value for metadata internal.draft: {expected_reason}"


# --- int and double ---


def test_int():
    assert validate_value(COUNT, 42) == 42
    assert validate_value(COUNT, -3) == -3
    assert reason(COUNT, True) == "expected an integer, got bool"
    assert reason(COUNT, 4.0) == "expected an integer, got float"
    assert reason(COUNT, "4") == "expected an integer, got str"
    assert str(rejection(COUNT, "4")) == "Invalid value for metadata custom.count: expected an integer, got str"


def test_double():
    assert validate_value(RATIO, 0.25) == 0.25
    result = validate_value(RATIO, 2)
    assert (result, type(result)) == (2.0, float)
    assert reason(RATIO, False) == "expected a number, got bool"
    assert reason(RATIO, "0.5") == "expected a number, got str"
    assert reason(RATIO, math.nan) == "expected a finite number, got nan"
    assert reason(RATIO, math.inf) == "expected a finite number, got inf"
    assert reason(RATIO, 10**400) == "the number is too large"

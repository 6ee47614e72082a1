"""The template fields the reference lists beyond the first set: ``default.geographic_reference_auto``,
the rest of ``visualization`` and the ``asset_content_configuration`` template, checked like the others."""

import pytest

from datasets.metadata_templates import InvalidMetadataValueError, get_field, validate_value
from tests.conftest import assert_status


def test_calendar_event_color_must_be_a_hex_color():
    field = get_field("visualization", "calendar_event_color")
    assert validate_value(field, "#a0b") == "#a0b"
    with pytest.raises(InvalidMetadataValueError) as caught:
        validate_value(field, "red")
    assert caught.value.raw_params["name"] == "calendar_event_color"


def test_calendar_views_are_a_closed_list():
    views = get_field("visualization", "calendar_available_views")
    assert validate_value(views, ["month", "agendaDay"]) == ["month", "agendaDay"]
    with pytest.raises(InvalidMetadataValueError):
        validate_value(views, ["year"])
    with pytest.raises(InvalidMetadataValueError):
        validate_value(get_field("visualization", "calendar_default_view"), "year")


@pytest.mark.django_db
def test_new_fields_are_writable_through_the_api(alice_api):
    dataset = assert_status(alice_api.post("/api/management/v2/datasets/", {}, format="json"), 201)
    base = f"/api/management/v2/datasets/{dataset['dataset_uid']}/metadata"
    facets = assert_status(
        alice_api.put(f"{base}/asset_content_configuration/facets", {"value": ["city", "year"]}, format="json"), 200
    )
    assert facets["value"] == ["city", "year"]
    assert facets["template"] == {
        "name": "asset_content_configuration",
        "label": "Asset content configuration",
        "purpose": "admin",
    }
    auto = assert_status(
        alice_api.put(f"{base}/default/geographic_reference_auto", {"value": True}, format="json"), 200
    )
    assert auto["value"] is True
    refused = assert_status(
        alice_api.put(f"{base}/visualization/map_tooltip_sort_direction", {"value": "up"}, format="json"), 400
    )
    assert refused["raw_params"]["name"] == "map_tooltip_sort_direction"
    stored = assert_status(alice_api.get(f"/api/management/v2/datasets/{dataset['dataset_uid']}"), 200)
    assert stored["metas"]["asset_content_configuration"] == {"facets": ["city", "year"]}
    assert stored["metas"]["default"]["geographic_reference_auto"] is True

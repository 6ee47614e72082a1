"""The guided new-dataset flow: source, fields, description, access and publish, each through the services
of the management API, with their refusals on the page and nothing stored when a step is refused."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from datasets.models import Change, Dataset, File
from jobs.models import Job
from tests.backoffice.conftest import DATASETS, PARKS_CSV, logged_in
from tests.conftest import grant

NEW = f"{DATASETS}new/"


@pytest.fixture
def publisher(django_user_model):
    user = django_user_model.objects.create_user("pia", password="pia-password-1", is_staff=True)
    return grant(user, "create_dataset", "edit_dataset", "publish_dataset", "manage_dataset")


@pytest.fixture
def client(publisher):
    return logged_in(publisher)


def upload(name: str = "Parcs et jardins.csv", content: bytes = PARKS_CSV) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def step(dataset: Dataset, name: str) -> str:
    return f"{DATASETS}{dataset.pk}/guide/{name}/"


@pytest.fixture
def parks(client) -> Dataset:
    response = client.post(NEW, {"file": upload()})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Dataset.objects.get()


def field_rows(response) -> dict[str, dict]:
    """The previewed fields of the fields step, by name."""
    return {field["name"]: field for field in response.context["preview"]["fields"]}


def row_data(response, **wanted: dict[str, str]) -> dict[str, str]:
    """The fields form as shown, with ``wanted`` ({field: {name/label/type: value}}) changed."""
    data: dict[str, str] = {}
    for index, row in enumerate(response.context["field_rows"]):
        field = row.field
        shown = {"name": field["name"], "label": field["label"], "type": field["type"]}
        values = {**shown, **wanted.get(field["name"], {})}
        data.update({f"field-{index}-{key}": value for key, value in values.items()})
    return data


def test_the_source_step_creates_the_dataset_with_its_resource_guessed(client, publisher):
    assert client.get(NEW).status_code == 200

    response = client.post(NEW, {"file": upload()})

    dataset = Dataset.objects.get()
    assert response.status_code == 302 and response["Location"] == step(dataset, "fields")
    assert dataset.dataset_id == "parcs-et-jardins" and dataset.owner == publisher
    resource = dataset.resources.get()
    assert resource.type == "csvfile" and resource.params["separator"] == ";"


def test_the_fields_step_shows_what_inference_found_and_the_guessed_format(client, parks):
    response = client.get(step(parks, "fields"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "CSV File" in body and response.context["format_form"]["separator"].value() == ";"
    fields = field_rows(response)
    assert fields["planted"]["type"] == "date" and fields["planted"]["inference"]["date_order"] == "dmy"
    assert fields["height"]["type"] == "double" and fields["height"]["inference"]["decimal_mark"] == ","
    assert fields["height"]["inference"]["null_markers"] == {"NA": 1}
    assert fields["code"]["type"] == "text"
    assert "Read as text because of <code>A1</code> (row 1), <code>B2</code> (row 2), <code>C4</code> (row 4)." in body
    assert "day-first dates" in body and "decimal comma" in body
    assert "Missing values written as" in body and "<code>NA</code> (1)" in body
    # Coordinates are noticed: the create_geopoint processor is offered, filled with them.
    assert response.context["coordinates"] == {
        "latitude": "lat",
        "longitude": "lon",
        "url": f"{DATASETS}{parks.pk}/steps/add/?step=processor:create_geopoint&next=guide",
    }
    # The published values, not the raw text: the first preview record.
    assert response.context["preview"]["records"][0]["height"] == 12.5
    assert response.context["preview"]["records"][0]["planted"] == "2001-01-31"


def test_changing_a_type_and_a_name_writes_specifications_and_warns_of_lost_values(client, parks):
    shown = client.get(step(parks, "fields"))
    data = row_data(shown, code={"type": "int"}, lat={"name": "latitude", "label": "Latitude"})

    response = client.post(step(parks, "fields"), {**data, "apply_fields": "1"})

    assert response.status_code == 302 and response["Location"] == step(parks, "fields")
    specs = {spec.name: spec.args for spec in parks.field_specifications.all()}
    assert specs == {
        "type": {"field": "code", "type": "int"},
        "rename": {"from_name": "lat", "to_name": "latitude", "label": "Latitude"},
    }
    after = client.get(step(parks, "fields"))
    fields = field_rows(after)
    assert "latitude" in fields and "lat" not in fields
    # Three of the four codes are not integers: the page says they would be lost.
    assert fields["code"]["inference"]["unreadable"] == 3
    assert "cannot be read as int and would be lost, such as <code>A1</code> (row 1)" in after.content.decode()

    # Setting the type again changes the specification in place.
    data = row_data(after, code={"type": "text"})
    client.post(step(parks, "fields"), {**data, "apply_fields": "1"})
    assert list(parks.field_specifications.filter(name="type").values_list("args", flat=True)) == [
        {"field": "code", "type": "text"}
    ]


def test_a_refused_field_change_names_the_field_and_keeps_every_specification(client, parks):
    shown = client.get(step(parks, "fields"))
    changes_before = Change.objects.count()
    data = row_data(shown, code={"type": "int"}, name={"name": "lat"})  # "lat" is taken

    response = client.post(step(parks, "fields"), {**data, "next": "1"})

    assert response.status_code == 200
    assert "name:" in response.content.decode()
    assert not parks.field_specifications.exists() and Change.objects.count() == changes_before


def test_the_format_can_be_changed_and_a_refused_one_changes_nothing(client, parks):
    resource = parks.resources.get()
    shown = client.get(step(parks, "fields"))
    form = shown.context["format_form"]
    data = {f"format-{name}": value for name, value in form.initial.items() if value not in (None, False)}

    refused = client.post(step(parks, "fields"), {**data, "format-encoding": "no-such-encoding", "apply_format": "1"})

    assert refused.status_code == 200 and "encoding" in refused.content.decode().lower()
    resource.refresh_from_db()
    assert resource.params["encoding"] != "no-such-encoding"

    data["format-null_markers"] = "NA\n-"
    saved = client.post(step(parks, "fields"), {**data, "apply_format": "1"})
    assert saved.status_code == 302
    resource.refresh_from_db()
    assert resource.params["null_markers"] == ["NA", "-"] and resource.params["separator"] == ";"


@pytest.mark.parametrize(
    "body, message",
    [
        ({}, "Upload a file or give a URL"),
        ({"url": "https://example.org/a.csv", "file": "x"}, "Upload a file or give a URL"),
        ({"url": "ftp://example.org/a.csv"}, "http(s)"),
    ],
)
def test_a_refused_source_says_why_and_creates_nothing(client, body, message):
    if body.get("file"):
        body = {**body, "file": upload()}
    response = client.post(NEW, body)

    assert response.status_code == 200 and message in response.content.decode()
    assert not Dataset.objects.exists() and not File.objects.exists()


def test_a_taken_identifier_is_refused_rather_than_changed(client, parks):
    response = client.post(NEW, {"file": upload(), "dataset_id": "parcs-et-jardins"})

    assert response.status_code == 200 and "parcs-et-jardins" in response.content.decode()
    assert Dataset.objects.count() == 1 and File.objects.count() == 1


def test_an_unreadable_file_creates_no_dataset(client):
    response = client.post(NEW, {"file": upload("broken.xlsx", b"not a workbook")})

    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert not Dataset.objects.exists() and not File.objects.exists()


def test_describe_needs_a_title_then_saves_the_metadata(client, parks):
    page = client.get(step(parks, "describe"))
    assert page.context["form"]["title"].value() == "Parcs et jardins"
    # The licence is free text with the usual licences suggested.
    assert 'list="id_license-suggestions"' in page.content.decode()
    assert '<option value="Open Database License (ODbL)">' in page.content.decode()
    refused = client.post(step(parks, "describe"), {"title": ""})
    assert refused.status_code == 200 and refused.context["form"].errors["title"]

    body = {"title": "Parks", "description": "<p>Trees of the parks</p>", "keyword": "trees\nparks", "license": "ODbL"}
    response = client.post(step(parks, "describe"), body)

    assert response.status_code == 302 and response["Location"] == step(parks, "access")
    values = {value.name: value.value for value in parks.metadata_values.filter(template="default")}
    assert values["title"] == "Parks" and values["keyword"] == ["trees", "parks"] and values["license"] == "ODbL"


def test_access_sets_the_policy_for_a_publisher_who_manages_security(client, parks):
    response = client.post(step(parks, "access"), {"visibility": "domain"})

    assert response.status_code == 302 and response["Location"] == step(parks, "publish")
    parks.refresh_from_db()
    assert parks.visibility == "domain"
    assert Change.objects.filter(dataset=parks, sections__contains=["security"]).exists()


def test_access_is_shown_not_offered_without_the_security_right(django_user_model, parks):
    helper = grant(django_user_model.objects.create_user("hal", password="x", is_staff=True), "edit_dataset")
    hal = logged_in(helper)

    page = hal.get(step(parks, "access"))
    assert page.status_code == 200 and not page.context["may_manage"]
    assert 'id="guide-access-current"' in page.content.decode()
    assert hal.post(step(parks, "access"), {"visibility": "domain"}).status_code == 403
    parks.refresh_from_db()
    assert parks.visibility == "restricted"


def test_publish_queues_the_job_and_goes_to_the_live_dataset_page(client, parks):
    summary = client.get(step(parks, "publish"))
    assert summary.status_code == 200 and summary.context["may_publish"]

    response = client.post(step(parks, "publish"))

    assert response.status_code == 302 and response["Location"] == f"{DATASETS}{parks.pk}/change/"
    assert Job.objects.filter(dataset=parks, function="publish").exists()
    parks.refresh_from_db()
    assert parks.status == "queued"


def test_the_guide_needs_its_rights(django_user_model, parks):
    staff = logged_in(django_user_model.objects.create_user("sam", password="x", is_staff=True))
    assert staff.get(NEW).status_code == 403
    assert staff.get(step(parks, "fields")).status_code == 404  # not a dataset sam may see
    editor = grant(django_user_model.objects.create_user("eve", password="x", is_staff=True), "edit_dataset")
    assert logged_in(editor).post(step(parks, "publish")).status_code == 403
    assert not Job.objects.exists()


def test_a_publisher_finds_the_guide_on_an_empty_platform(client):
    response = client.get(DATASETS)

    assert response.status_code == 200
    assert f'href="{NEW}"' in response.content.decode()


def test_the_geopoint_suggestion_leads_to_the_filled_processor_form_and_back(client, parks):
    suggestion = client.get(step(parks, "fields")).context["coordinates"]["url"]
    form = client.get(suggestion)
    assert form.status_code == 200
    assert form.context["form"]["arg_latitude_field"].value() == "lat"
    assert form.context["form"]["arg_longitude_field"].value() == "lon"

    added = client.post(
        suggestion,
        {
            "step": "processor:create_geopoint",
            "arg_latitude_field": "lat",
            "arg_longitude_field": "lon",
            "arg_output_field": "location",
            "save": "1",
        },
    )

    assert added.status_code == 302 and added["Location"] == step(parks, "fields")
    assert parks.processors.get().args["latitude_field"] == "lat"
    assert client.get(step(parks, "fields")).context["coordinates"] is None

"""The step page generated from the catalogues: one input per argument, field pickers filled from the data, the
inputs turned into the services' args, refusals on the input they concern, forced types that would null values."""

from __future__ import annotations

import html
import re

import pytest

from datasets.backoffice.step_forms import STEPS
from datasets.models import Change, Dataset, FieldSpecification, Processor, Ruleset
from datasets.services import dataset_create
from datasets.services.processing import resource_add
from tests.backoffice.conftest import DATASETS, logged_in
from tests.datasets.api.conftest import stored_file

pytestmark = pytest.mark.django_db

GEOPOINT = "processor:create_geopoint"
PRICES_CSV = b"name;price;count\nA;1,5;one\nB;2,25;two\nC;3;three\n"


def step_url(dataset: Dataset) -> str:
    return f"{DATASETS}{dataset.pk}/steps/add/"


def page_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def selected(page: str, input_id: str) -> list[str]:
    """The selected options' values of the select ``input_id``."""
    select = re.search(rf'<select[^>]*id="{input_id}"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None, input_id
    return [value for value in re.findall(r'<option value="([^"]*)" selected>', select.group(1)) if value]


def added(dataset: Dataset, client, data: dict[str, str]) -> dict:
    """Post ``data`` with "Add" and answer the args of the step it stored."""
    response = client.post(step_url(dataset), {**data, "save": "1"})
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    kind, name = data["step"].split(":")
    model = Processor if kind == "processor" else FieldSpecification
    return model.objects.get(dataset=dataset, name=name).args


@pytest.fixture
def empty(editor) -> Dataset:
    """A dataset without resource the editor may edit: no field to pick, text inputs instead."""
    dataset = dataset_create(owner=None, dataset_id="empty", metas={"default": {"title": "Empty"}})
    Ruleset.objects.create(dataset=dataset, kind="user", user=editor, permissions=["edit_dataset"])
    return dataset


@pytest.fixture
def prices(editor) -> Dataset:
    """A ';'-separated CSV whose prices have decimal commas and whose counts are words."""
    dataset = dataset_create(owner=None, dataset_id="prices", metas={"default": {"title": "Prices"}})
    body = {"url": stored_file(PRICES_CSV, "prices.csv", None).url, "type": "csvfile", "params": {"separator": ";"}}
    resource_add(dataset=dataset, body=body, user=None)
    Ruleset.objects.create(dataset=dataset, kind="user", user=editor, permissions=["edit_dataset"])
    return dataset


# --- the page -------------------------------------------------------------------------------------


def test_without_a_step_only_the_step_select_is_shown(editor_client, trees):
    page = page_of(editor_client.get(step_url(trees)))
    assert 'id="id_step"' in page and '<optgroup label="Field specifications">' in page
    assert "Create a geo point (create_geopoint)" in page and 'id="step-form"' not in page
    assert "backoffice/step-form.js" in page and "<script>" not in page


@pytest.mark.parametrize("key", list(STEPS))
def test_every_catalogued_step_has_one_input_per_argument(editor_client, trees, key):
    step = STEPS[key]
    page = page_of(editor_client.get(step_url(trees), {"step": key}))
    inputs = re.findall(r'<(?:input|select|textarea)[^>]*\sid="id_arg_([a-z_]+)"', page)
    assert inputs == [argument.name for argument in step.arguments]
    assert ('id="id_label"' in page) == (step.kind == "processor")
    assert html.escape(step.description) in page and 'id="step-preview"' in page and 'id="step-save"' in page
    for argument in step.arguments:
        assert f'for="id_arg_{argument.name}"' in page
        assert f'id="id_arg_{argument.name}_helptext"' in page
    assert 'name="args"' not in page  # no JSON fallback: every argument has an input


def test_field_arguments_are_selects_of_the_fields_at_the_steps_place(editor_client, trees):
    page = page_of(editor_client.get(step_url(trees), {"step": "processor:delete_field"}))
    assert re.search(r'<select name="arg_field" required aria-describedby="[^"]+" id="id_arg_field">', page)
    assert '<option value="note">note (text)</option>' in page
    assert "Field (required)" in page
    concat = page_of(editor_client.get(step_url(trees), {"step": "processor:concat"}))
    assert re.search(r'<select name="arg_fields"[^>]* multiple', concat)


def test_without_a_resource_field_arguments_are_text_inputs(editor_client, empty):
    page = page_of(editor_client.get(step_url(empty), {"step": GEOPOINT}))
    assert re.search(r'<input type="text" name="arg_latitude_field"[^>]*id="id_arg_latitude_field"', page)
    assert 'id="step-no-fields"' in page


def test_an_unknown_step_is_refused_on_the_select(editor_client, trees):
    response = editor_client.get(step_url(trees), {"step": "processor:nope"})
    page = page_of(response)
    assert "step" in response.context["chooser"].errors and 'id="step-form"' not in page


def test_choices_timezones_and_date_formats_are_offered(editor_client, trees):
    page = page_of(editor_client.get(step_url(trees), {"step": "processor:unicode_normalize"}))
    assert re.search(r'<option value=""( selected)?>Default \(NFKC\)</option>', page)
    assert '<option value="NFD">NFD</option>' in page
    assert 'type="checkbox" name="arg_all_fields"' in page
    zones = page_of(editor_client.get(step_url(trees), {"step": "processor:set_timezone"}))
    assert 'list="id_arg_timezone_options"' in zones and '<option value="Europe/Paris"></option>' in zones
    dates = page_of(editor_client.get(step_url(trees), {"step": "processor:date_normalizer"}))
    # "when" holds 03/04/2020 and 15/06/2021: day-first, so %d/%m/%Y is the first suggestion.
    datalist = re.search(r'<datalist id="id_arg_format_options">(.*?)</datalist>', dates, re.S)
    assert datalist is not None
    assert re.findall(r'<option value="([^"]+)">', datalist.group(1))[0] == "%d/%m/%Y"


# --- create_geopoint from the field pickers ---------------------------------------------------------


def test_latitude_and_longitude_are_preselected(editor_client, trees):
    page = page_of(editor_client.get(step_url(trees), {"step": GEOPOINT}))
    assert selected(page, "id_arg_latitude_field") == ["lat"]
    assert selected(page, "id_arg_longitude_field") == ["lon"]
    assert selected(page, "id_arg_field") == []


def test_a_geopoint_added_from_the_pickers_lands_with_its_args(editor, editor_client, trees):
    data = {"step": GEOPOINT, "label": "Position", "arg_latitude_field": "lat", "arg_longitude_field": "lon"}
    args = added(trees, editor_client, data)
    assert args == {"latitude_field": "lat", "longitude_field": "lon", "output_field": "geo_point"}
    processor = trees.processors.get()
    assert processor.label == "Position"
    assert Change.objects.filter(dataset=trees).first().user == editor


def test_a_missing_argument_is_named_on_its_input_and_nothing_is_added(editor_client, trees):
    changes = Change.objects.count()
    half = editor_client.post(step_url(trees), {"step": GEOPOINT, "arg_latitude_field": "lat", "save": "1"})
    page = page_of(half)
    errors = half.context["form"].errors
    assert list(errors) == ["arg_longitude_field"]
    assert "Invalid argument 'longitude_field' for processor create_geopoint" in errors["arg_longitude_field"][0]
    assert 'id="step-errors"' in page and 'aria-invalid="true"' in page
    assert selected(page, "id_arg_latitude_field") == ["lat"]  # what was chosen stays chosen
    required = editor_client.post(step_url(trees), {"step": "processor:delete_field", "save": "1"})
    assert required.context["form"].errors == {"arg_field": ["This field is required."]}
    assert not Processor.objects.exists() and Change.objects.count() == changes


def test_a_preview_shows_the_effect_and_stores_nothing(editor_client, trees):
    changes = Change.objects.count()
    data = {"step": GEOPOINT, "arg_latitude_field": "lat", "arg_longitude_field": "lon", "preview": "1"}
    response = editor_client.post(step_url(trees), data)
    page = page_of(response)
    fields = [field["name"] for field in response.context["preview"]["fields"]]
    assert "geo_point" in fields
    cells = [row[fields.index("geo_point")] for row in response.context["rows"]]
    assert cells == ["[48.85, 2.35]", "[45.75, 4.85]"]
    assert 'id="preview-table"' in page
    assert not Processor.objects.exists() and Change.objects.count() == changes


def test_a_preview_without_resource_says_so(editor_client, empty):
    data = {"step": "processor:add_field", "arg_field": "source", "preview": "1"}
    response = editor_client.post(step_url(empty), data)
    assert "no resource to preview" in page_of(response) and response.context["preview"] is None
    assert not Processor.objects.exists()


# --- inputs to args ---------------------------------------------------------------------------------


def test_inputs_become_the_services_args(editor_client, trees):
    concat = {
        "step": "processor:concat",
        "arg_fields": ["name", "note"],
        "arg_separator": " - ",
        "arg_output_field": "x",
    }
    assert added(trees, editor_client, concat) == {"fields": ["name", "note"], "separator": " - ", "output_field": "x"}
    replace = {"step": "processor:string_replace", "arg_all_fields": "on", "arg_old": "a", "arg_new": " "}
    assert added(trees, editor_client, replace) == {"all_fields": True, "old": "a", "new": " "}
    exact = {"step": "processor:delete_record", "arg_field": "name", "arg_value": "Oak"}
    assert added(trees, editor_client, exact)["exact_match"] is False  # an unchecked box is false
    order = {"step": "specification:order", "arg_args": "note, name"}
    assert added(trees, editor_client, order) == ["note", "name"]
    unit = {"step": "specification:annotate", "arg_field": "year", "arg_annotation": "unit", "arg_args": "kg"}
    assert added(trees, editor_client, unit) == {"field": "year", "annotation": "unit", "args": ["kg"]}
    cleared = {"step": "specification:description", "arg_field": "name", "arg_description": ""}
    assert added(trees, editor_client, cleared) == {"field": "name", "description": None}


def test_without_a_resource_lists_are_written_with_commas(editor_client, empty):
    concat = {"step": "processor:concat", "arg_fields": "a, b", "arg_output_field": "ab"}
    assert added(empty, editor_client, concat) == {"fields": ["a", "b"], "separator": " ", "output_field": "ab"}


def test_steps_need_the_edit_right(django_user_model, trees):
    publisher = django_user_model.objects.create_user("pat", password="pat-password-1", is_staff=True)
    Ruleset.objects.create(dataset=trees, kind="user", user=publisher, permissions=["publish_dataset"])
    client = logged_in(publisher)
    assert client.get(step_url(trees), {"step": GEOPOINT}).status_code == 403
    data = {"step": GEOPOINT, "arg_latitude_field": "lat", "arg_longitude_field": "lon", "save": "1"}
    assert client.post(step_url(trees), data).status_code == 403
    assert not Processor.objects.exists()


# --- forced types and the values they would null -----------------------------------------------------


def test_decimal_commas_forced_to_double_are_read_without_a_warning(editor_client, prices):
    data = {"step": "specification:type", "arg_field": "price", "arg_type": "double", "preview": "1"}
    response = editor_client.post(step_url(prices), data)
    page = page_of(response)
    assert response.context["form"].errors == {}
    price = next(field for field in response.context["preview"]["fields"] if field["name"] == "price")
    assert (price["type"], price["inference"]["unreadable"], price["inference"]["warning"]) == ("double", 0, None)
    names = [field["name"] for field in response.context["preview"]["fields"]]
    assert [row[names.index("price")] for row in response.context["rows"]] == ["1.5", "2.25", "3.0"]
    assert "preview-warning" not in page and "preview-nulled" not in page


def test_a_text_forced_to_int_warns_with_the_field_the_count_and_a_value(editor, editor_client, prices):
    data = {"step": "specification:type", "arg_field": "count", "arg_type": "int"}
    page = page_of(editor_client.post(step_url(prices), {**data, "preview": "1"}))
    warning = "3 of 3 values (100%) of count cannot be read as int and would be null (e.g. &quot;one&quot;)"
    assert warning in page and 'class="preview-nulled"' in page and "3 values read as null" in page
    added(prices, editor_client, data)
    resource = prices.resources.get().resource_uid
    preview = page_of(editor_client.get(f"{DATASETS}{prices.pk}/resources/{resource}/preview/"))
    assert warning in preview and 'class="preview-nulled"' in preview

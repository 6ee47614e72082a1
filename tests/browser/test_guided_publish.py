"""A publisher who is not a superuser, in a browser, from a CSV to the public page without typing JSON: the
guided flow reads the file (coordinates, day-first dates, decimal commas, NA), the fields step warns about a
lossy type, a ``create_geopoint`` processor is added from pickers, the dataset page goes live while a real
worker publishes, and an edited title waits in a banner until it is published to the public page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.backoffice.conftest import PARKS_CSV
from tests.browser.steps import log_in
from tests.conftest import grant


@pytest.fixture
def publisher(django_user_model):
    user = django_user_model.objects.create_user("pia", password="pia-password-1", is_staff=True)
    return grant(user, "create_dataset", "edit_dataset", "publish_dataset", "manage_dataset")


def guided_source_and_fields(page, shot) -> None:
    """Steps 1 and 2: upload the file, read what the platform found, try a lossy type and take it back."""
    page.goto("/admin/datasets/dataset/")
    page.click("#guide-new-link")
    upload = {"name": "Parcs et jardins.csv", "mimeType": "text/csv", "buffer": PARKS_CSV}
    page.set_input_files("#id_file", upload)
    shot("guide-source")
    page.click("#guide-source-submit")

    expect(page.locator("#guide-extractor")).to_contain_text("CSV File")
    planted = page.locator("#guide-fields tr[data-field=planted]")
    expect(planted).to_contain_text("day-first dates")
    expect(page.locator("#guide-fields tr[data-field=height]")).to_contain_text("decimal comma")
    expect(page.locator("#guide-fields tr[data-field=height]")).to_contain_text("NA")
    expect(page.locator("#preview-table tbody tr").first).to_contain_text("2001-01-31")
    shot("guide-fields")

    # The codes are not all integers: forcing int shows the values it would lose, before anything is published.
    code = page.locator("#guide-fields tr[data-field=code]")
    code.locator("select").select_option("int")
    page.click("#guide-fields-apply")
    expect(page.locator("#guide-loss-code")).to_contain_text("3 values")
    expect(page.locator(".preview-warning").first).to_contain_text("code")
    shot("guide-lossy-type")
    page.locator("#guide-fields tr[data-field=code] select").select_option("text")
    page.locator("#guide-fields tr[data-field=name] input[name$=label]").fill("Tree")
    page.click("#guide-fields-apply")
    expect(page.locator("#guide-loss-code")).to_have_count(0)


def geopoint_from_pickers(page, shot) -> None:
    """The coordinates are noticed: the create_geopoint form comes filled with pickers, previewed, added."""
    expect(page.locator("#guide-suggest-geopoint")).to_contain_text("lat")
    page.click("#guide-suggest-geopoint-link")
    expect(page.locator("#id_step")).to_have_value("processor:create_geopoint")
    expect(page.locator("#id_arg_latitude_field")).to_have_value("lat")
    expect(page.locator("#id_arg_longitude_field")).to_have_value("lon")
    assert page.locator("#id_arg_latitude_field").evaluate("element => element.tagName") == "SELECT"
    page.fill("#id_arg_output_field", "location")
    page.click("#step-preview")
    expect(page.locator("#preview-table thead")).to_contain_text("location")
    expect(page.locator("#preview-table tbody tr").first).to_contain_text("48.8566")
    shot("geopoint-preview")
    page.click("#step-save")
    expect(page.locator(".messagelist")).to_contain_text("added to parcs-et-jardins")
    expect(page.locator("#guide-suggest-geopoint")).to_have_count(0)
    expect(page.locator("#preview-table thead")).to_contain_text("location")
    page.click("#guide-fields-next")


def guided_description_access(page, shot) -> None:
    """Steps 3 and 4: metadata, then the access policy."""
    page.fill("#id_title", "Trees of the parks")
    page.fill("#id_description", "The remarkable trees of the city's parks.")
    page.fill("#id_keyword", "trees\nparks")
    page.fill("#id_license", "Open Database License (ODbL)")
    shot("guide-describe")
    page.click("#guide-describe-next")
    page.check("input[name=visibility][value=domain]")
    shot("guide-access")
    page.click("#guide-access-next")
    expect(page.locator("#guide-summary")).to_contain_text("Trees of the parks")
    shot("guide-publish")


def publish_and_watch(page, shot, background_worker) -> None:
    """Publish from the guide's last step; the dataset page follows the job without a reload."""
    page.click("#guide-publish")
    expect(page.locator(".messagelist")).to_contain_text("queued as job")
    expect(page.locator("#dataset-published")).to_contain_text("Not published")
    shot("dataset-queued")
    background_worker()
    expect(page.locator("#dataset-published")).to_have_text("Published", timeout=30_000)
    expect(page.locator("#dataset-public-link")).to_be_visible()
    expect(page.locator("#pending-changes")).to_be_hidden()
    # The record errors of the new version replace "No published version", still without a reload.
    expect(page.locator("#backoffice-record-errors")).not_to_contain_text("No published version")
    expect(page.locator("h2").first).to_contain_text("Trees of the parks (parcs-et-jardins)")
    shot("dataset-live")


def edit_title_and_publish_the_change(page, shot) -> None:
    """An edited title waits in the banner (the public page keeps the old one) until published."""
    public = page.locator("#dataset-public-link").get_attribute("href")
    page.click("#metadata-edit-default")
    page.fill("#id_title", "Remarkable trees of the parks")
    page.click("#metadata-save")
    banner = page.locator("#pending-changes")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("title")
    expect(page.locator("#dataset-published")).to_contain_text("changes pending")
    shot("pending-changes")
    visitor = page.context.browser.new_context(base_url=page.url.split("/admin")[0])
    public_page = visitor.new_page()
    public_page.goto(public)
    expect(public_page.locator("h1")).to_contain_text("Trees of the parks")

    page.click("#publish-changes")
    expect(banner).to_be_hidden(timeout=30_000)
    expect(page.locator("#dataset-published")).to_have_text("Published")
    shot("change-published")
    public_page.goto(public)
    expect(public_page.locator("h1")).to_contain_text("Remarkable trees of the parks")
    public_page.screenshot(path=page.artifact_dir / "public-page.png", full_page=True)
    visitor.close()


def test_a_publisher_goes_from_a_csv_to_the_public_page(page, shot, publisher, background_worker):
    log_in(page, "pia", "pia-password-1")
    guided_source_and_fields(page, shot)
    geopoint_from_pickers(page, shot)
    guided_description_access(page, shot)
    publish_and_watch(page, shot, background_worker)
    edit_title_and_publish_the_change(page, shot)

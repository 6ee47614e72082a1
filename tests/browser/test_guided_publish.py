"""A publisher who is not a superuser, in a browser, from a CSV to the public page without typing JSON: the
guided flow reads the file (coordinates, day-first dates, decimal commas, NA), the fields step warns about a
lossy type, a ``create_geopoint`` processor is added from pickers, the dataset page goes live while a real
worker publishes, and an edited title waits in a banner until it is published to the public page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import grant

PARKS_CSV = (
    "name;planted;height;lat;lon;code\n"
    "Chêne du parc;31/01/2001;12,5;48.8566;2.3522;A1\n"
    "Tilleul;15/03/1999;NA;48.8606;2.3376;B2\n"
    "Platane;02/11/1987;20,25;48.8530;2.3499;17\n"
    "Érable;28/06/2010;7,75;48.8462;2.3371;C4\n"
).encode()


@pytest.fixture
def publisher(django_user_model):
    user = django_user_model.objects.create_user("pia", password="pia-password-1", is_staff=True)
    return grant(user, "create_dataset", "edit_dataset", "publish_dataset", "manage_dataset")


def log_in(page, username: str, password: str) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    expect(page).to_have_url("/admin/")


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


def test_a_publisher_goes_from_a_csv_to_the_public_page(page, shot, publisher, background_worker):
    log_in(page, "pia", "pia-password-1")
    guided_source_and_fields(page, shot)
    guided_description_access(page, shot)

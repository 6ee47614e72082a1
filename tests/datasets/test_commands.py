import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from datasets.demo import DEMO_DATASETS
from datasets.models import Dataset, MetadataValue
from jobs.models import Job


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def printed_password(out: str) -> str:
    return re.search(r"password '([^']+)'", out).group(1)


def test_ensure_admin_creates_a_superuser_with_a_random_password(db, var_dir, capsys):
    call_command("ensure_admin")
    out = capsys.readouterr().out
    password = printed_password(out)
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(password)
    assert len(password) >= 16
    assert (var_dir / "admin-credentials").stat().st_mode & 0o077 == 0


def test_ensure_admin_twice_keeps_the_password(db, var_dir, capsys):
    call_command("ensure_admin")
    first = printed_password(capsys.readouterr().out)
    password_hash = get_user_model().objects.get(username="admin").password
    call_command("ensure_admin")
    second_out = capsys.readouterr().out
    assert printed_password(second_out) == first
    assert get_user_model().objects.get(username="admin").password == password_hash
    assert get_user_model().objects.filter(username="admin").count() == 1


def test_ensure_admin_never_prints_a_password_changed_since(db, var_dir, capsys):
    call_command("ensure_admin")
    capsys.readouterr()
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("chosen-by-the-operator-9")
    admin.save()
    call_command("ensure_admin")
    out = capsys.readouterr().out
    assert "password set since" in out
    assert "chosen-by-the-operator-9" not in out
    assert get_user_model().objects.get(username="admin").check_password("chosen-by-the-operator-9")


def test_two_different_installs_get_different_passwords(db, var_dir, capsys):
    call_command("ensure_admin")
    first = printed_password(capsys.readouterr().out)
    get_user_model().objects.all().delete()
    (var_dir / "admin-credentials").unlink()
    call_command("ensure_admin")
    assert printed_password(capsys.readouterr().out) != first


def test_load_demo_creates_the_catalog_once(db, admin_user, capsys):
    call_command("load_demo", "--owner", "root")
    assert "4 created and queued for publishing" in capsys.readouterr().out
    assert Dataset.objects.count() == len(DEMO_DATASETS)
    assert set(Dataset.objects.values_list("visibility", flat=True)) == {Dataset.Visibility.DOMAIN}
    assert Dataset.objects.filter(owner=admin_user).count() == len(DEMO_DATASETS)
    bikes = Dataset.objects.get(dataset_id="bike-counters")
    assert bikes.metadata_values.get(template="default", name="keyword").value == ["mobility", "cycling", "traffic"]

    title = MetadataValue.objects.get(dataset=bikes, name="title")
    title.value = "Edited by a publisher"
    title.save()
    values_before = MetadataValue.objects.count()

    call_command("load_demo", "--owner", "root")
    assert "0 created and queued for publishing, 4 already there" in capsys.readouterr().out
    assert Dataset.objects.count() == len(DEMO_DATASETS)
    assert MetadataValue.objects.count() == values_before
    assert MetadataValue.objects.get(pk=title.pk).value == "Edited by a publisher"


@pytest.mark.django_db(transaction=True)
def test_demo_datasets_are_published_by_a_worker(admin_user, run_worker, client):
    call_command("load_demo", "--owner", "root")
    assert set(Dataset.objects.values_list("status", flat=True)) == {"queued"}
    assert Job.objects.filter(function="publish", state="waiting").count() == len(DEMO_DATASETS)
    run_worker()
    published = Dataset.objects.filter(is_published=True, status="idle")
    assert published.count() == len(DEMO_DATASETS)
    trees = published.select_related("current_version").get(dataset_id="street-trees")
    assert trees.current_version.record_count == 300
    types = {field["name"]: field["type"] for field in trees.current_version.fields}
    assert (types["height_m"], types["planted"], types["location"]) == ("double", "int", "geo_point_2d")
    html = client.get("/").content.decode()
    assert "Street trees" in html and "Bicycle counters" in html

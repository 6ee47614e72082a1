"""The Dataset admin: scoped to what the staff user may manage, with a validated Ruleset inline."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from datasets.models import Change, Dataset, Ruleset

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/datasets/dataset/"


def staff_client(django_user_model, name: str, *, view=True):
    user = django_user_model.objects.create_user(name, password=f"{name}-pw", is_staff=True)
    if view:
        user.user_permissions.add(*Permission.objects.filter(codename__in=["view_dataset", "change_dataset"]))
    client = Client()
    client.force_login(user)
    return user, client


def listed(client) -> set[str]:
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    return {dataset.dataset_id for dataset in response.context["cl"].result_list}


def test_staff_sees_only_datasets_a_ruleset_lets_them_manage(django_user_model):
    mine, other = Dataset.objects.create(dataset_id="mine"), Dataset.objects.create(dataset_id="other")
    user, client = staff_client(django_user_model, "stella")
    assert listed(client) == set()
    Ruleset.objects.create(dataset=mine, kind="user", user=user, permissions=["edit_dataset"])
    assert listed(client) == {"mine"}
    assert client.get(f"{CHANGELIST}{mine.pk}/change/").status_code == 200
    # Another dataset's page is not found, as in the API.
    assert client.get(f"{CHANGELIST}{other.pk}/change/").status_code == 302


def test_superuser_sees_everything(django_user_model):
    Dataset.objects.create(dataset_id="a"), Dataset.objects.create(dataset_id="b")
    admin = django_user_model.objects.create_superuser("root", password="x")
    client = Client()
    client.force_login(admin)
    assert listed(client) == {"a", "b"}


def inline_post(dataset: Dataset, **ruleset) -> dict:
    """The change form of ``dataset`` with one new ruleset in the inline."""
    data = {
        "dataset_id": dataset.dataset_id,
        "visibility": dataset.visibility,
        "metadata_values-TOTAL_FORMS": "0",
        "metadata_values-INITIAL_FORMS": "0",
        "rulesets-TOTAL_FORMS": "1",
        "rulesets-INITIAL_FORMS": "0",
        "rulesets-0-kind": "default",
        "rulesets-0-is_data_visible": "on",
        "rulesets-0-visible_fields": "null",
        "rulesets-0-filter_query": "",
        "rulesets-0-api_calls_quota": "null",
        "rulesets-0-permissions": "[]",
    }
    data.update({f"rulesets-0-{name}": value for name, value in ruleset.items()})
    return data


def test_ruleset_inline_is_validated_and_recorded(django_user_model):
    dataset = Dataset.objects.create(dataset_id="budget", visibility="domain")
    admin = django_user_model.objects.create_superuser("root", password="x")
    client = Client()
    client.force_login(admin)
    url = f"{CHANGELIST}{dataset.pk}/change/"
    bad = client.post(url, inline_post(dataset, filter_query="pop >", permissions='["edit_dataset"]'))
    assert bad.status_code == 200  # the form again, with its errors
    assert not Ruleset.objects.exists()
    good = client.post(url, {**inline_post(dataset, filter_query="pop > 3"), "visibility": "restricted"})
    assert good.status_code == 302
    ruleset = Ruleset.objects.get()
    assert (ruleset.kind, ruleset.filter_query, ruleset.permissions) == ("default", "pop > 3", [])
    change = Change.objects.get(dataset=dataset)
    assert change.sections == ["security"]
    paths = [entry["path"] for entry in change.diff["security"]]
    assert ["access_policy"] in paths and ["default", "filter_query"] in paths


def test_staff_without_manage_right_cannot_edit_rulesets(django_user_model):
    dataset = Dataset.objects.create(dataset_id="budget")
    user, client = staff_client(django_user_model, "ed")
    Ruleset.objects.create(dataset=dataset, kind="user", user=user, permissions=["edit_dataset"])
    response = client.get(f"{CHANGELIST}{dataset.pk}/change/")
    inline = next(
        formset for formset in response.context["inline_admin_formsets"] if formset.formset.prefix == "rulesets"
    )
    assert not inline.has_add_permission and not inline.has_change_permission and not inline.has_delete_permission
    assert "visibility" in response.context["adminform"].readonly_fields

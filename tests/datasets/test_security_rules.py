"""The rules of ``datasets.access.visibility``: how rulesets combine for users, groups, API keys, anonymous callers."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from datasets.access.caller import Caller
from datasets.access.visibility import FULL, OPEN, data_access, dataset_rights, visible_datasets
from datasets.models import ApiKey, Dataset, Ruleset
from tests.conftest import grant, mark_published

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(django_user_model):
    """A plain user, a member of two groups, a domain explorer and a superuser."""
    plain = django_user_model.objects.create_user("una", password="x")
    member = django_user_model.objects.create_user("gil", password="x")
    north, south = Group.objects.create(name="north"), Group.objects.create(name="south")
    member.groups.add(north, south)
    explorer = grant(django_user_model.objects.create_user("eve", password="x"), "explore_restricted_dataset")
    boss = django_user_model.objects.create_superuser("boss", password="x")
    return {"plain": plain, "member": member, "explorer": explorer, "boss": boss, "north": north, "south": south}


def published(dataset_id: str, visibility: str, owner=None) -> Dataset:
    return mark_published(Dataset.objects.create(dataset_id=dataset_id, visibility=visibility, owner=owner))


def ruleset(dataset, kind, *, user=None, group=None, **values) -> Ruleset:
    return Ruleset.objects.create(dataset=dataset, kind=kind, user=user, group=group, **values)


def access(user, dataset, api_key=None):
    return data_access(Caller(user, api_key), Dataset.objects.get(pk=dataset.pk))


def visible_ids(user, api_key=None) -> set[str]:
    return set(visible_datasets(Caller(user, api_key)).values_list("dataset_id", flat=True))


def test_domain_dataset_without_rulesets_is_open_to_everyone(people):
    open_data = published("open", "domain")
    assert access(AnonymousUser(), open_data) == OPEN
    assert access(people["plain"], open_data) == OPEN
    assert visible_ids(AnonymousUser()) == {"open"}


def test_restricted_dataset_exists_only_for_rulesets_and_rights(people):
    secret = published("secret", "restricted")
    assert access(AnonymousUser(), secret) is None
    assert access(people["plain"], secret) is None
    assert access(people["explorer"], secret) == FULL
    assert access(people["boss"], secret) == FULL
    ruleset(secret, "group", group=people["north"], visible_fields=["a"])
    assert access(people["member"], secret).visible_fields == frozenset({"a"})
    assert visible_ids(people["member"]) == {"secret"}
    assert visible_ids(people["plain"]) == set()
    assert visible_ids(AnonymousUser()) == set()


def test_default_ruleset_applies_to_callers_without_their_own(people):
    data = published("data", "domain")
    ruleset(data, "default", visible_fields=["a", "b"], filter_query='region = "North"')
    for user in (AnonymousUser(), people["plain"], people["member"]):
        got = access(user, data)
        assert (got.visible_fields, got.filters, got.source) == (
            frozenset({"a", "b"}),
            ('region = "North"',),
            "default",
        )


def test_a_user_ruleset_wins_alone_over_groups_and_default(people):
    data = published("data", "domain")
    ruleset(data, "default", is_data_visible=False)
    ruleset(data, "group", group=people["north"], visible_fields=None)
    ruleset(data, "user", user=people["member"], visible_fields=["a"], filter_query="n > 1")
    got = access(people["member"], data)
    assert (got.visible_fields, got.filters, got.source) == (frozenset({"a"}), ("n > 1",), "user")


def test_group_rulesets_combine_as_a_union(people):
    data = published("data", "domain")
    ruleset(
        data,
        "group",
        group=people["north"],
        visible_fields=["a"],
        filter_query="n > 1",
        api_calls_quota={"limit": 10, "unit": "minute"},
    )
    ruleset(
        data,
        "group",
        group=people["south"],
        visible_fields=["b"],
        filter_query="n < 0",
        api_calls_quota={"limit": 1000, "unit": "day"},
    )
    got = access(people["member"], data)
    assert got.visible_fields == frozenset({"a", "b"})
    assert set(got.filters) == {"n > 1", "n < 0"}
    assert got.quota == {"limit": 10, "unit": "minute"}  # 10/min is looser than 1000/day


def test_one_group_without_filter_or_field_list_opens_everything_it_shows(people):
    data = published("data", "domain")
    ruleset(data, "group", group=people["north"], visible_fields=["a"], filter_query="n > 1")
    ruleset(data, "group", group=people["south"], visible_fields=["*"], filter_query="")
    got = access(people["member"], data)
    assert (got.visible_fields, got.filters) == (None, ())


def test_data_invisible_voids_filters_and_fields(people):
    data = published("data", "domain")
    ruleset(data, "default", is_data_visible=False, filter_query="n > 1", visible_fields=["a"])
    got = access(AnonymousUser(), data)
    assert not got.data_visible and got.visible_fields == frozenset() and got.filters == ()


def test_ruleset_permissions_grant_rights_on_that_dataset_only(people):
    mine, other = published("mine", "restricted"), published("other", "restricted")
    ruleset(mine, "user", user=people["plain"], permissions=["publish_dataset"], visible_fields=["a"])
    caller = Caller(people["plain"])
    assert dataset_rights(caller, Dataset.objects.get(pk=mine.pk)) == {"publish_dataset"}
    assert dataset_rights(caller, Dataset.objects.get(pk=other.pk)) == frozenset()
    assert access(people["plain"], mine) == FULL  # a right on the dataset shows all of it
    assert access(people["plain"], other) is None


def test_owners_see_their_own_restricted_dataset(people):
    own = published("own", "restricted", owner=people["plain"])
    assert access(people["plain"], own) == FULL
    assert visible_ids(people["plain"]) == {"own"}


def test_api_keys_stay_within_their_permissions(people):
    secret = published("secret", "restricted")
    ruleset(secret, "user", user=people["plain"], visible_fields=["a"])
    bare = ApiKey(owner=people["plain"], permissions=[])
    exploring = ApiKey(owner=people["plain"], permissions=["explore_restricted_dataset"])
    assert access(people["plain"], secret).visible_fields == frozenset({"a"})
    assert access(people["plain"], secret, bare) is None
    assert access(people["plain"], secret, exploring).visible_fields == frozenset({"a"})
    assert visible_ids(people["plain"], bare) == set()
    assert visible_ids(people["plain"], exploring) == {"secret"}
    explorer_key = ApiKey(owner=people["explorer"], permissions=[])
    assert access(people["explorer"], secret, explorer_key) is None
    assert access(people["boss"], secret, ApiKey(owner=people["boss"], permissions=["edit_dataset"])) == FULL


def test_inactive_users_are_anonymous(people):
    data, secret = published("data", "domain"), published("secret", "restricted")
    ruleset(data, "default", visible_fields=["a"])
    ruleset(secret, "user", user=people["plain"])
    people["plain"].is_active = False
    assert access(people["plain"], secret) is None
    assert access(people["plain"], data).source == "default"


def test_unpublished_datasets_are_never_in_the_catalog(people):
    Dataset.objects.create(dataset_id="draft", visibility="domain")
    assert visible_ids(people["boss"]) == set()

"""Query parameters of the management API: one rule for every endpoint (API decision 34).

Each endpoint accepts the parameters it declares plus ``apikey``, ``expand`` and ``timezone``; anything else,
or a single-valued parameter given twice, is a 400 naming it. The documented ones (``timezone``,
``include_app_metas``, ``start``, ``page`` on jobs) do what the reference says.
"""

import datetime as dt

import pytest

from datasets.models import ApiKey, Dataset
from datasets.services.apikeys import apikey_create
from jobs.models import Job
from tests.conftest import assert_status, grant

API = "/api/management/v2"


@pytest.fixture
def dataset_uid(alice_api):
    body = {"dataset_id": "trees", "metas": {"default": {"title": "Trees", "modified": "2024-01-15T12:00:00+00:00"}}}
    return assert_status(alice_api.post(f"{API}/datasets/", body, format="json"), 201)["dataset_uid"]


def endpoints(uid: str) -> list[str]:
    """GET endpoints that read no parameter of their own (before: any parameter was ignored there)."""
    return [
        f"{API}/datasets/{uid}/resources/",
        f"{API}/datasets/{uid}/processors/",
        f"{API}/datasets/{uid}/fields_specifications/",
        f"{API}/datasets/{uid}/schedules/",
        f"{API}/datasets/{uid}/status/records_errors",
        f"{API}/fields_specifications/",
        f"{API}/files/",
        f"{API}/apikeys/",
        f"{API}/jobs/",
        f"{API}/extractors/",
        f"{API}/processors/",
        f"{API}/metadata_templates/",
    ]


class TestUnknownParameters:
    def test_an_unknown_parameter_on_the_dataset_list_is_a_400_naming_it_and_the_accepted_ones(self, alice_api):
        body = assert_status(alice_api.get(f"{API}/datasets/?rows=5&colour=red&limit=3"), 400)
        assert body["error_key"] == "UnknownRequestParameterException"
        assert body["raw_params"]["parameters"] == "colour, limit"
        accepted = body["raw_params"]["accepted"].split(", ")
        assert {"rows", "page", "start", "sort", "where", "include_app_metas", "timezone", "expand", "apikey"} <= set(
            accepted
        )
        assert "colour" in body["message"] and "include_app_metas" in body["message"]

    def test_every_endpoint_refuses_an_unknown_parameter(self, alice_api, dataset_uid):
        for url in endpoints(dataset_uid):
            assert_status(alice_api.get(url), 200)
            body = assert_status(alice_api.get(f"{url}?bogus=1"), 400)
            assert body["error_key"] == "UnknownRequestParameterException"
            assert body["raw_params"]["parameters"] == "bogus"

    def test_the_root_refuses_an_unknown_parameter(self, anonymous_api):
        assert_status(anonymous_api.get(f"{API}/"), 200)
        assert assert_status(anonymous_api.get(f"{API}/?bogus=1"), 400)["raw_params"]["parameters"] == "bogus"

    def test_a_create_with_an_unknown_parameter_stores_nothing(self, alice_api):
        body = assert_status(alice_api.post(f"{API}/datasets/?stric=true", {"dataset_id": "x"}, format="json"), 400)
        assert body["raw_params"]["parameters"] == "stric"
        assert not Dataset.objects.exists()

    def test_a_parameter_of_another_method_is_unknown(self, alice_api, dataset_uid):
        """``strict`` belongs to the create; on the list it would be silently meaningless."""
        body = assert_status(alice_api.get(f"{API}/datasets/?strict=true"), 400)
        assert body["raw_params"]["parameters"] == "strict"

    def test_authentication_comes_before_parameters(self, anonymous_api):
        assert_status(anonymous_api.get(f"{API}/datasets/?bogus=1"), 401)

    def test_the_apikey_parameter_is_accepted_everywhere(self, alice, anonymous_api, dataset_uid):
        owner = grant(alice, "edit_dataset")
        _, key = apikey_create(owner=owner, label="script", permissions=["create_dataset", "edit_dataset"])
        listed = assert_status(anonymous_api.get(f"{API}/datasets/?apikey={key}"), 200)
        assert [item["dataset_uid"] for item in listed["datasets"]] == [dataset_uid]
        for url in endpoints(dataset_uid):
            if not url.endswith("/apikeys/"):  # API keys may not be managed with an API key
                assert_status(anonymous_api.get(f"{url}?apikey={key}"), 200)
        assert ApiKey.objects.get().last_used_at is not None


class TestExpandEverywhere:
    def test_expand_of_something_not_expandable_is_a_400_on_every_endpoint(self, alice_api, dataset_uid):
        for url in endpoints(dataset_uid):
            body = assert_status(alice_api.get(f"{url}?expand=foo"), 400)
            assert body["error_key"] == "InvalidRequestParameterException"
            assert body["raw_params"]["field"] == "expand"
            assert "cannot expand foo; expandable here: nothing" in body["message"]

    def test_expand_still_works_where_it_is_expandable(self, alice_api, dataset_uid):
        body = assert_status(alice_api.get(f"{API}/datasets/{dataset_uid}/?expand=status&expand=changes"), 200)
        assert {"since", "published"} <= set(body["status"])
        assert body["changes"][0]["user"]["username"] == "alice"
        plain = assert_status(alice_api.get(f"{API}/datasets/{dataset_uid}/"), 200)
        assert (plain["status"], set(plain["changes"][0])) == ({"name": plain["status"]["name"]}, {"change_uid"})


class TestRepeatedParameters:
    def test_a_repeated_sort_is_a_400_instead_of_a_guess(self, alice_api, dataset_uid):
        body = assert_status(alice_api.get(f"{API}/datasets/?sort=title&sort=-title"), 400)
        assert body["raw_params"] == {"field": "sort", "detail": "given 2 times; expected once"}

    def test_a_repeated_rows_or_timezone_is_a_400(self, alice_api, dataset_uid):
        assert assert_status(alice_api.get(f"{API}/jobs/?rows=1&rows=2"), 400)["raw_params"]["field"] == "rows"
        url = f"{API}/datasets/{dataset_uid}/?timezone=UTC&timezone=Europe/Paris"
        assert assert_status(alice_api.get(url), 400)["raw_params"]["field"] == "timezone"


class TestTimezone:
    def test_datetimes_are_rendered_in_the_requested_zone(self, alice_api, dataset_uid):
        utc = assert_status(alice_api.get(f"{API}/datasets/{dataset_uid}/?expand=status"), 200)
        paris = assert_status(alice_api.get(f"{API}/datasets/{dataset_uid}/?expand=status&timezone=Asia/Kolkata"), 200)
        assert utc["last_modified"].endswith("+00:00")
        assert paris["last_modified"].endswith("+05:30")
        assert dt.datetime.fromisoformat(paris["last_modified"]) == dt.datetime.fromisoformat(utc["last_modified"])
        assert paris["status"]["since"].endswith("+05:30")
        assert paris["metas"]["default"]["modified"] == "2024-01-15T17:30:00+05:30"
        modified = [item for item in paris["metadata"] if item["name"] == "modified"]
        assert modified[0]["value"] == "2024-01-15T17:30:00+05:30"
        assert utc["metas"]["default"]["modified"] == "2024-01-15T12:00:00+00:00"

    def test_the_zone_holds_for_jobs_and_the_dataset_list(self, alice_api, alice, dataset_uid):
        Job.objects.create(function="ping", user=alice)
        jobs = assert_status(alice_api.get(f"{API}/jobs/?timezone=America/New_York"), 200)
        assert jobs[0]["created_at"][-6:] in ("-05:00", "-04:00")
        listed = assert_status(alice_api.get(f"{API}/datasets/?timezone=Asia/Kolkata"), 200)
        assert listed["datasets"][0]["last_modified"].endswith("+05:30")

    def test_the_zone_does_not_leak_into_the_next_request(self, alice_api, dataset_uid):
        assert_status(alice_api.get(f"{API}/datasets/{dataset_uid}/?timezone=Asia/Kolkata"), 200)
        assert assert_status(alice_api.get(f"{API}/datasets/{dataset_uid}/"), 200)["last_modified"].endswith("+00:00")

    def test_an_unknown_zone_is_a_400_naming_it(self, alice_api, dataset_uid):
        body = assert_status(alice_api.get(f"{API}/datasets/{dataset_uid}/?timezone=Mars/Olympus"), 400)
        assert body["raw_params"]["field"] == "timezone"
        assert "Mars/Olympus" in body["message"]

    @pytest.mark.parametrize("zone", ["Europe", "x" * 300, "../../etc/passwd", "Europe/Paris\x00"])
    def test_a_directory_a_path_or_an_overlong_name_is_a_400_not_a_500(self, alice_api, zone):
        body = assert_status(alice_api.get(f"{API}/jobs/", {"timezone": zone}), 400)
        assert body["raw_params"]["field"] == "timezone"


class TestIncludeAppMetas:
    @pytest.fixture
    def configured(self, alice_api, dataset_uid):
        body = {"value": "name"}
        url = f"{API}/datasets/{dataset_uid}/metadata/visualization/table_default_sort_field"
        assert_status(alice_api.put(url, body, format="json"), 200)
        return dataset_uid

    def test_application_metas_show_only_when_asked_for(self, alice_api, configured):
        plain = assert_status(alice_api.get(f"{API}/datasets/{configured}/"), 200)
        assert set(plain["metas"]) == {"default", "publishing"}
        assert {item["template"]["name"] for item in plain["metadata"]} == {"default"}
        shown = assert_status(alice_api.get(f"{API}/datasets/{configured}/?include_app_metas=true"), 200)
        assert shown["metas"]["visualization"] == {"table_default_sort_field": "name"}
        assert "visualization" in {item["template"]["name"] for item in shown["metadata"]}
        listed = assert_status(alice_api.get(f"{API}/datasets/?include_app_metas=true"), 200)
        assert listed["datasets"][0]["metas"]["visualization"] == {"table_default_sort_field": "name"}
        assert "visualization" not in assert_status(alice_api.get(f"{API}/datasets/"), 200)["datasets"][0]["metas"]

    def test_the_metadata_endpoint_still_lists_every_template(self, alice_api, configured):
        items = assert_status(alice_api.get(f"{API}/datasets/{configured}/metadata?template=visualization"), 200)
        assert {item["value"] for item in items if item["name"] == "table_default_sort_field"} == {"name"}

    def test_a_value_other_than_a_boolean_is_a_400(self, alice_api, configured):
        body = assert_status(alice_api.get(f"{API}/datasets/?include_app_metas=maybe"), 400)
        assert body["raw_params"] == {"field": "include_app_metas", "detail": "expected true or false, got 'maybe'"}


class TestStart:
    @pytest.fixture
    def three(self, alice_api):
        for name in ("a", "b", "c"):
            assert_status(alice_api.post(f"{API}/datasets/", {"dataset_id": name}, format="json"), 201)

    def test_start_is_the_offset_of_the_first_dataset(self, alice_api, three):
        body = assert_status(alice_api.get(f"{API}/datasets/?sort=dataset_id&start=1&rows=2"), 200)
        assert [item["dataset_id"] for item in body["datasets"]] == ["b", "c"]
        assert (body["nhits"], body["rows"], body["start"], body["page"]) == (3, 2, 1, 1)

    def test_page_reports_its_start(self, alice_api, three):
        body = assert_status(alice_api.get(f"{API}/datasets/?sort=dataset_id&page=2&rows=2"), 200)
        assert [item["dataset_id"] for item in body["datasets"]] == ["c"]
        assert (body["page"], body["start"]) == (2, 2)

    def test_start_and_page_together_or_a_negative_start_are_400s(self, alice_api, three):
        both = assert_status(alice_api.get(f"{API}/datasets/?start=1&page=1"), 400)
        assert both["raw_params"] == {"field": "start", "detail": "give start or page, not both"}
        negative = assert_status(alice_api.get(f"{API}/datasets/?start=-1"), 400)
        assert negative["raw_params"] == {"field": "start", "detail": "must be between 0 and 2147483647, got -1"}


class TestJobPages:
    def test_every_job_is_reachable_page_by_page(self, alice_api, alice, bob):
        Job.objects.bulk_create([Job(function="ping", user=alice, state=Job.State.DONE) for _ in range(105)])
        Job.objects.create(function="ping", user=bob)
        seen = []
        for page in range(1, 7):
            seen += [job["job_uid"] for job in assert_status(alice_api.get(f"{API}/jobs/?page={page}"), 200)]
        assert sorted(seen) == sorted(Job.objects.filter(user=alice).values_list("job_uid", flat=True))
        assert len(seen) == len(set(seen)) == 105
        assert assert_status(alice_api.get(f"{API}/jobs/?page=7"), 200) == []

    def test_pages_follow_rows_newest_first(self, alice_api, alice):
        uids = [Job.objects.create(function="ping", user=alice).job_uid for _ in range(3)]
        first = assert_status(alice_api.get(f"{API}/jobs/?rows=2"), 200)
        second = assert_status(alice_api.get(f"{API}/jobs/?rows=2&page=2"), 200)
        assert [job["job_uid"] for job in first + second] == uids[::-1]

    def test_a_bad_page_or_state_is_a_400_naming_it(self, alice_api):
        assert assert_status(alice_api.get(f"{API}/jobs/?page=0"), 400)["raw_params"]["field"] == "page"
        assert assert_status(alice_api.get(f"{API}/jobs/?state=finished"), 400)["raw_params"]["field"] == "state"

    def test_create_and_rename_answer_the_application_metas_when_asked_for(self, alice_api):
        body = {"dataset_id": "trees", "metas": {"visualization": {"table_default_sort_field": "name"}}}
        created = assert_status(alice_api.post(f"{API}/datasets/?include_app_metas=true", body, format="json"), 201)
        assert created["metas"]["visualization"] == {"table_default_sort_field": "name"}
        url = f"{API}/datasets/{created['dataset_uid']}/"
        renamed = assert_status(alice_api.put(url, {"dataset_id": "oaks"}, format="json"), 200)
        assert (renamed["dataset_id"], "visualization" in renamed["metas"]) == ("oaks", False)
        shown = assert_status(alice_api.patch(f"{url}?include_app_metas=1", {"dataset_id": "elms"}, format="json"), 200)
        assert shown["metas"]["visualization"] == {"table_default_sort_field": "name"}
        assert assert_status(alice_api.delete(f"{url}?include_app_metas=1"), 400)["raw_params"]["parameters"] == (
            "include_app_metas"
        )
        assert Dataset.objects.get().dataset_id == "elms"

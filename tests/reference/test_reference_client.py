"""A client written from the reference's examples alone, run in order against a fresh instance.

Every example request of ``docs/reference/management-api-v2.md`` (section by section: authentication,
errors, asynchronous calls, expansion, lists, datasets, status, actions, jobs, changes, metadata,
resources, files, extractors, processors, field specifications, attachments and alternative exports,
security, schedules and API keys, then the end-to-end sequence of §17.2) is sent as the reference
writes it, and the documented status code and shape are checked. Where the reference leaves a choice
open, ``docs/API-DECISIONS.md`` gives the expected answer (201 on create, 202 and a job on publish).
Publishing goes through a real RQ worker; the public side is read back from the Explore API.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.reference.client import ReferenceClient

pytestmark = pytest.mark.django_db(transaction=True)

CSV = b"column_1;text_field;my_column;f;planet_json\nHello;World;3;a;[1,2]\nWorld;Hello World;-2;b;[3]\n"


@pytest.fixture
def publisher(django_user_model):
    """The reference's ``-u username:password``: a domain administrator."""
    django_user_model.objects.create_superuser("username", "username@example.org", "password-1234")
    django_user_model.objects.create_user("myuser", "myuser@example.com", "password-5678", first_name="First name")
    django_user_model.objects.create_user("jane_doe", "jane@example.org", "password-9012")
    return ReferenceClient.basic("username", "password-1234")


def test_every_example_of_the_reference_in_order(publisher, run_worker):
    api = publisher
    key = authentication(api)
    errors(api)
    uid = datasets(api)
    file = files(api)
    resource = resources(api, uid, file)
    extractors(api, file)
    processors(api, uid)
    fields_specifications(api, uid)
    metadata(api, uid)
    attachments_and_exports(api, uid, file)
    security(api, uid)
    schedules_and_keys(api, uid, key)
    status_and_actions(api, uid, run_worker)
    changes(api, uid)
    explore(api, run_worker, uid, resource)
    end_to_end(api, run_worker)


def authentication(api: ReferenceClient) -> str:
    """§2.2: API keys in a header (any case of the scheme) or in the query string, and basic auth."""
    created = api.post("/apikeys/", {"label": "My first API key", "permissions": ["edit_dataset"]}, expect=201)
    key = created["key"]  # shown once: the platform keeps only its hash
    for scheme in ("Apikey", "apikey"):
        client = ReferenceClient(APIClient(), authorization=f"{scheme} {key}")
        assert isinstance(client.get("/datasets/")["datasets"], list)
    assert isinstance(ReferenceClient(APIClient()).get(f"/datasets/?apikey={key}")["datasets"], list)
    anonymous = ReferenceClient(APIClient()).get("/datasets/", expect=401)
    assert anonymous["error_key"] == "AuthenticationRequiredException"
    wrong = base64.b64encode(b"username:wrong").decode()
    ReferenceClient(APIClient(), authorization=f"Basic {wrong}").get("/datasets/", expect=401)
    return key


def errors(api: ReferenceClient) -> None:
    """§2.3: the error envelope with its rendered message, template and parameters."""
    body = api.post("/datasets/?strict=true", {}, expect=400)
    assert body["error_key"] == "ODSException"
    assert body["message"] == "Dataset identifier (dataset_id) is mandatory"
    assert set(body) >= {"status_code", "error_key", "message", "raw_message", "raw_params"}
    holder = api.post("/datasets/", {"dataset_id": "security-holder"}, expect=201)
    unknown = api.get(f"/datasets/{holder['dataset_uid']}/security/users/toto", expect=404)
    assert (unknown["error_key"], unknown["message"]) == ("UnknownUsernameException", "Unknown username: toto")
    assert unknown["raw_message"] == "Unknown username: {username}"
    assert unknown["raw_params"] == {"username": "toto"}
    api.delete(f"/datasets/{holder['dataset_uid']}", expect=204)


def datasets(api: ReferenceClient) -> str:
    """§4.4, §4.5, §2.7, §4.3: create (empty, titled, strict), list with every documented parameter, retrieve."""
    empty = api.post("/datasets/", {}, expect=201)
    assert empty["dataset_id"] == empty["dataset_uid"] and empty["dataset_uid"].startswith("da_")
    assert empty["metas"]["default"]["modified"]
    assert empty["metas"]["publishing"]["published"] is False
    assert empty["status"] == {"name": "idle"} or empty["status"]["name"] == "idle"
    assert empty["last_modified"]
    titled = api.post("/datasets/", {"metas": {"default": {"title": "My dataset title"}}}, expect=201)
    assert titled["dataset_id"] == "my-dataset-title"
    again = api.post("/datasets/", {"metas": {"default": {"title": "My dataset title"}}}, expect=201)
    assert again["dataset_id"] != "my-dataset-title"
    strict = api.post("/datasets/?strict=true", {"dataset_id": "my-dataset-title"}, expect=400)
    assert strict["status_code"] == 400
    mine = api.post(
        "/datasets/?strict=true",
        {"dataset_id": "my-dataset", "metas": {"default": {"title": "My Dataset"}}},
        expect=201,
    )
    uid = mine["dataset_uid"]

    listed = api.get('/datasets/?where=datasetid="my-dataset"&rows=10&page=1&sort=-modified')
    assert [item["dataset_uid"] for item in listed["datasets"]] == [uid]
    with_app = api.get("/datasets/?include_app_metas=true&timezone=Europe/Paris&rows=100")
    assert {item["dataset_uid"] for item in with_app["datasets"]} >= {uid, empty["dataset_uid"]}
    assert api.get(f"/datasets/{uid}/")["dataset_id"] == "my-dataset"
    api.get(f"/datasets/{uid}/?expand=status,changes")
    for unused in (empty, titled, again):
        assert api.delete(f"/datasets/{unused['dataset_uid']}", expect=204) is None
    api.get(f"/datasets/{empty['dataset_uid']}/", expect=404)
    return uid


def files(api: ReferenceClient) -> dict[str, Any]:
    """§10.2: multipart and JSON uploads, list, retrieve, download."""
    uploaded = api.upload("/files", "resource.csv", CSV)
    assert uploaded["url"] == f"odsfile://{uploaded['file_id']}"
    assert uploaded["properties"]["mimetype"] == "text/csv"
    content = api.post("/files", {"content": "a,b\n1,2\n", "mimetype": "text/csv", "filename": "data.csv"}, expect=201)
    assert content["filename"] == "data.csv"
    unnamed = api.post("/files", {"content": "x\n1\n", "mimetype": "text/csv"}, expect=201)
    assert unnamed["filename"] == "file"
    assert {item["file_id"] for item in api.get("/files")} >= {uploaded["file_id"], content["file_id"]}
    assert api.get(f"/files/{uploaded['file_id']}")["filename"] == "resource.csv"
    download = api.raw("get", f"/download_file/{content['file_id']}")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="data.csv"'
    return uploaded


def resources(api: ReferenceClient, uid: str, file: dict[str, Any]) -> str:
    """§10.1: create, list, retrieve, update, preview (saved and unsaved), download, delete."""
    body = {
        "url": file["url"],
        "title": "My Awesome Data File",
        "type": "csvfile",
        "params": {"headers_first_row": True, "separator": ";"},
    }
    created = api.post(f"/datasets/{uid}/resources/", body, expect=201)
    resource = created["resource_uid"]
    assert resource.startswith("re_") and created["title"] == "My Awesome Data File"
    assert [item["resource_uid"] for item in api.get(f"/datasets/{uid}/resources/")] == [resource]
    fetched = api.get(f"/datasets/{uid}/resources/{resource}")
    fetched["title"] = "My Awesome Data File"
    assert api.put(f"/datasets/{uid}/resources/{resource}", fetched)["resource_uid"] == resource
    preview = api.get(f"/datasets/{uid}/resources/{resource}/preview")
    assert {"description", "original_name", "label", "type", "annotations", "name"} <= set(preview["fields"][0])
    assert preview["records"][0]["column_1"] == "Hello" and len(preview["records"]) == 2
    unsaved = api.post(f"/datasets/{uid}/resource_preview", body)
    assert unsaved["records"] == preview["records"]
    assert api.raw("get", f"/datasets/{uid}/resources/{resource}/download").status_code == 200
    spare = api.post(f"/datasets/{uid}/resources/", {**body, "title": "Spare"}, expect=201)
    assert api.delete(f"/datasets/{uid}/resources/{spare['resource_uid']}", expect=204) is None
    return resource


def extractors(api: ReferenceClient, file: dict[str, Any]) -> None:
    """§10.3: the extractor list and both guesses."""
    listed = api.get("/extractors/")
    csv = next(item for item in listed if item["type"] == "csvfile")
    assert {"name", "label", "type", "description", "default", "is_mandatory"} <= set(csv["parameters"][0])
    guessed = api.post("/guess_extractors/", {"url": file["url"]})
    assert "csvfile" in guessed["recommended_extractors"]
    params = api.post("/guess_extractor_params/", {"url": file["url"], "extractor": "csvfile"})
    assert params["extractor"] == "csvfile"
    assert params["params"]["separator"] == ";" and params["params"]["headers_first_row"] is True


def processors(api: ReferenceClient, uid: str) -> None:
    """§11: the documented examples, the stack's order, update in place, delete, guessing."""
    base = f"/datasets/{uid}/processors/"
    replace = api.post(
        base,
        {"name": "regexp_replace", "args": {"field": "text_field", "regexp": ".*", "new": "Hello World"}},
        expect=201,
    )
    assert replace["processor_uid"].startswith("pr_")
    expression = api.post(
        base,
        {
            "name": "expression",
            "label": "my_column > or < 0",
            "args": {"output_field": "result", "expression": "{{my_column > 0 ? 'positive' : 'negative'}}"},
        },
        expect=201,
    )
    extractor = api.post(
        base, {"name": "string_extractor", "args": {"field": "text_field", "regexp": "(?P<planet>^World)"}}, expect=201
    )
    stack = [item["processor_uid"] for item in api.get(base)]
    assert stack == [replace["processor_uid"], expression["processor_uid"], extractor["processor_uid"]]
    one = api.get(f"{base}{replace['processor_uid']}")
    one["args"]["new"] = "Hello"
    assert api.put(f"{base}{replace['processor_uid']}", one)["args"]["new"] == "Hello"
    assert api.delete(f"{base}{extractor['processor_uid']}", expect=204) is None
    replace_all = {"name": "string_replace", "args": {"field": "f", "all_fields": False, "old": "a", "new": "b"}}
    api.post(base, replace_all, expect=201)
    guess = api.post(f"/datasets/{uid}/guess_processor_params", {"name": "expand_json_array"})
    candidate = guess["json_array_field"]["planet_json"]
    assert {"annotations", "description", "label", "name", "original_name", "type"} <= set(candidate)
    catalogue = api.get("/processors/")
    names = {item["name"] if isinstance(item, dict) else item for item in catalogue}
    documented = {
        "regexp_replace",
        "transform_coordinates",
        "string_extractor",
        "skip_record",
        "create_geopoint",
        "split",
        "delete_record",
        "set_timezone",
        "string_replace",
        "date_normalizer",
        "geojoin",
        "concat",
        "geo_distance",
        "expression",
        "unicode_normalize",
        "expand_json_array",
    }
    assert documented <= names, documented - names


def fields_specifications(api: ReferenceClient, uid: str) -> None:
    """§12: every documented specification, the array form of ``order`` included."""
    base = f"/datasets/{uid}/fields_specifications/"
    specs = [
        {"name": "rename", "args": {"from_name": "column_1", "to_name": "greeting", "label": "Greeting"}},
        {"name": "type", "args": {"field": "my_column", "type": "int"}},
        {"name": "annotate", "args": {"field": "greeting", "annotation": "facet"}},
        {"name": "annotate", "args": {"field": "my_column", "annotation": "unit", "args": ["km2"]}},
        {"name": "description", "args": {"field": "greeting", "description": "What it says"}},
        {"name": "order", "args": ["my_column", "greeting"]},
        {"name": "delete", "args": {"field": "planet_json"}},
    ]
    uids = [api.post(base, spec, expect=201)["processor_uid"] for spec in specs]
    assert [item["processor_uid"] for item in api.get(base)] == uids
    assert api.get(f"{base}{uids[-1]}")["name"] == "delete"
    api.put(f"{base}{uids[4]}", {"name": "description", "args": {"field": "greeting", "description": "Greeting"}})
    spare = api.post(base, {"name": "annotate", "args": {"field": "greeting", "annotation": "sortable"}}, expect=201)
    assert api.delete(f"{base}{spare['processor_uid']}", expect=204) is None
    api.get("/fields_specifications/")


def metadata(api: ReferenceClient, uid: str) -> None:
    """§9.3: list, one, set, bulk set, reset."""
    listed = api.get(f"/datasets/{uid}/metadata")
    title = next(item for item in listed if item["name"] == "title" and item["template"]["name"] == "default")
    assert set(title) >= {"name", "template", "value"}
    one = api.get(f"/datasets/{uid}/metadata/default/title?expand=definition")
    assert one["value"] == "My Dataset" and one["definition"]["type"] == "text"
    assert api.put(f"/datasets/{uid}/metadata/default/title", {"value": "My agenda"})["value"] == "My agenda"
    bulk = {
        "metas": [
            {
                "template_name": "default",
                "metadata_name": "title",
                "override_remote_value": False,
                "value": "My Dataset",
            },
            {
                "template_name": "default",
                "metadata_name": "keyword",
                "override_remote_value": False,
                "value": ["keyword1", "keyword"],
            },
        ]
    }
    updated = api.put(f"/datasets/{uid}/metadata/", bulk)
    values = {item["name"]: item["value"] for item in updated}
    assert (values["title"], values["keyword"]) == ("My Dataset", ["keyword1", "keyword"])
    api.put(f"/datasets/{uid}/metadata/default/description", {"value": "<p>A description</p>"})
    assert api.delete(f"/datasets/{uid}/metadata/default/description", expect=200)["value"] is None


def attachments_and_exports(api: ReferenceClient, uid: str, file: dict[str, Any]) -> None:
    """§13: attachments and alternative exports: create, list, retrieve, download, delete (200)."""
    for collection, key, download in (
        ("attachments", "attachment_uid", "download_attachment"),
        ("alternative_exports", "export_uid", "download_alternative_export"),
    ):
        created = api.post(f"/datasets/{uid}/{collection}", {"url": file["url"]}, expect=201)
        item = created[key]
        assert created["url"] == file["url"]
        assert [entry[key] for entry in api.get(f"/datasets/{uid}/{collection}")] == [item]
        assert api.get(f"/datasets/{uid}/{collection}/{item}")[key] == item
        fetched = api.raw("get", f"/datasets/{uid}/{download}/{item}")
        assert (
            fetched.status_code == 200
            and b"".join(fetched.streaming_content if fetched.streaming else [fetched.content]) == CSV
        )
        spare = api.post(f"/datasets/{uid}/{collection}", {"url": file["url"]}, expect=201)
        api.delete(f"/datasets/{uid}/{collection}/{spare[key]}", expect=200)
        api.get(f"/datasets/{uid}/{collection}/{spare[key]}", expect=404)


def security(api: ReferenceClient, uid: str) -> None:
    """§14 and §2.5: access policy, default ruleset, user and group rulesets, ``expand=user``."""
    base = f"/datasets/{uid}/security"
    assert api.get(f"{base}/access_policy") == "restricted"  # a new dataset starts restricted (API decision)
    assert api.put(f"{base}/access_policy", "domain") == "domain"
    assert api.get(f"{base}/access_policy") == "domain"
    default = api.get(f"{base}/default")
    assert default["visible_fields"] == ["*"]
    changed = {
        "is_data_visible": True,
        "visible_fields": ["greeting", "my_column"],
        "filter_query": "",
        "api_calls_quota": None,
        "permissions": [],
    }
    assert api.put(f"{base}/default", changed)["visible_fields"] == ["greeting", "my_column"]
    assert api.delete(f"{base}/default", expect=200)["visible_fields"] == ["*"]  # DELETE resets, answers it
    ruleset = {
        "user": {"username": "myuser"},
        "is_data_visible": True,
        "visible_fields": ["*"],
        "filter_query": "",
        "api_calls_quota": {"limit": 10000, "unit": "day"},
        "permissions": [],
    }
    api.post(f"{base}/users", ruleset, expect=201)
    api.post(f"{base}/users", {**ruleset, "user": {"username": "jane_doe"}}, expect=201)
    listed = api.get(f"{base}/users?expand=user")
    assert [item["user"]["username"] for item in listed] == ["jane_doe", "myuser"]
    expanded = next(item["user"] for item in listed if item["user"]["username"] == "myuser")
    assert {"username", "first_name", "last_name", "email", "is_active", "display_name"} <= set(expanded)
    assert expanded["first_name"] == "First name"
    updated = api.put(f"{base}/users/myuser", {**ruleset, "visible_fields": []})
    assert updated["visible_fields"] == []
    api.delete(f"{base}/users/jane_doe", expect=204)
    missing = api.put(f"{base}/users/toto", {**ruleset, "user": {"username": "toto"}}, expect=404)
    assert missing["error_key"] == "UnknownUsernameException"
    api.get(f"{base}/groups")


def schedules_and_keys(api: ReferenceClient, uid: str, key: str) -> None:
    """§15: schedules; API keys: empty create, update needs a label or permissions, delete."""
    schedule = api.post(f"/datasets/{uid}/schedules/", {"cron_schedule": "0 3 * * *"}, expect=201)
    schedule_uid = schedule.get("schedule_uid") or schedule.get("uid")
    assert schedule_uid.startswith("sc_")
    api.get(f"/datasets/{uid}/schedules/{schedule_uid}/")
    api.delete(f"/datasets/{uid}/schedules/{schedule_uid}/", expect=204)
    empty = api.post("/apikeys/", {}, expect=201)
    assert (empty["label"], empty["permissions"]) == (None, ["explore_restricted_dataset"])
    refused = api.put(f"/apikeys/{empty['key']}/", {}, expect=400)
    assert refused["error_key"] == "PermissionsOrLabelMissingFromAPIKeyUpdateException"
    assert api.put(f"/apikeys/{empty['key']}/", {"label": "Renamed"})["label"] == "Renamed"
    api.delete(f"/apikeys/{empty['key']}/", expect=204)
    with_key = ReferenceClient(APIClient(), authorization=f"Apikey {key}")
    assert [item["label"] for item in with_key.get("/apikeys/")] == ["My first API key"]
    with_key.post("/apikeys/", {}, expect=403)


def status_and_actions(api: ReferenceClient, uid: str, run_worker) -> None:
    """§5, §6, §7, §2.4: publish (a job), the busy precondition, status and its record errors, jobs, abort."""
    job = api.put(f"/datasets/{uid}/publish", expect=202)
    assert job["job_id"]
    queued = api.get(f"/datasets/{uid}/status")
    assert (queued["name"], queued["published"]) == ("queued", False) and queued["since"]
    busy = api.put(f"/datasets/{uid}/publish", expect=400)
    assert busy["error_key"] == "InvalidDatasetStatusPreconditionException"
    assert busy["raw_params"] == {"authorized_origin_status": "idle, error, limit_reached", "current_status": "queued"}
    assert busy["raw_message"] == (
        "Invalid precondition, dataset status is '{current_status}' but must be one of '{authorized_origin_status}'"
    )
    run_worker()
    done = api.get(f"/datasets/{uid}/status")
    assert (done["name"], done["published"]) == ("idle", True)
    assert isinstance(done["records_errors"], int)
    detailed = api.get(f"/datasets/{uid}/status?expand=records_errors")
    assert isinstance(detailed["records_errors"], list)
    for error in detailed["records_errors"]:
        assert {"record_id", "processor_uid", "field_uid", "message", "raw_message", "raw_params"} <= set(error)
    assert isinstance(api.get(f"/datasets/{uid}/status/records_errors"), list)
    assert api.get(f"/jobs/{job['job_id']}")["state"] == "done"
    assert job["job_id"] in [item.get("job_id") or item.get("job_uid") for item in jobs_of(api)]
    idle = api.put(f"/datasets/{uid}/abort_processing", expect=400)
    assert idle["error_key"] == "InvalidDatasetStatusPreconditionException"
    renamed = api.put(f"/datasets/{uid}/", {"dataset_id": "another-id"}, expect=400)
    assert renamed["error_key"] == "DatasetIdChangeForbiddenException"
    assert api.get(f"/datasets/{uid}/")["metas"]["publishing"]["published"] is True


def jobs_of(api: ReferenceClient) -> list[dict[str, Any]]:
    listed = api.get("/jobs")
    return listed if isinstance(listed, list) else listed.get("jobs", listed.get("results", []))


def changes(api: ReferenceClient, uid: str) -> None:
    """§8: the change log, and ``restore_change`` undoing the title change as a new change."""
    listed = api.get(f"/datasets/{uid}/changes")
    title_change = next(
        change
        for change in listed
        if any(
            entry["path"] == ["default", "title"] and entry["new_value"] == "My agenda"
            for entry in change["diff"].get("metadata", [])
        )
    )
    assert set(title_change) >= {"change_uid", "dataset", "user", "timestamp", "diff", "sections"}
    assert title_change["user"] == {"username": "username"}
    api.get(f"/datasets/{uid}/changes?expand=user")
    before = len(listed)
    api.put(f"/datasets/{uid}/restore_change", {"change_uid": title_change["change_uid"]}, expect=200)
    assert len(api.get(f"/datasets/{uid}/changes")) == before + 1


def explore(api: ReferenceClient, run_worker, uid: str, resource: str) -> None:
    """The published records through the Explore API, then unpublish (§6) removing them, keeping the dataset."""
    records = api.explore("/catalog/datasets/my-dataset/records?limit=10")
    assert records["total_count"] == 2
    assert {"greeting", "my_column"} <= set(records["results"][0])
    assert api.explore("/catalog/datasets/my-dataset/attachments")["attachments"]
    api.put(f"/datasets/{uid}/unpublish", expect=202)
    run_worker()
    assert api.get(f"/datasets/{uid}/status")["published"] is False
    api.explore("/catalog/datasets/my-dataset/records", expect=404)
    api.get(f"/datasets/{uid}/resources/{resource}")
    api.delete(f"/datasets/{uid}", expect=204)


def end_to_end(api: ReferenceClient, run_worker) -> None:
    """§17.2 in order: upload, create, resource, preview, processor, facet, description, policy, publish, unpublish."""
    file = api.upload("/files", "data.csv", b"f;g\na;1\nc;2\n")
    created = api.post(
        "/datasets/?strict=true", {"dataset_id": "my-data", "metas": {"default": {"title": "My data"}}}, expect=201
    )
    assert created["status"]["name"] == "idle"
    uid = created["dataset_uid"]
    resource = api.post(
        f"/datasets/{uid}/resources/",
        {
            "url": file["url"],
            "title": "Data",
            "type": "csvfile",
            "params": {"headers_first_row": True, "separator": ";"},
        },
        expect=201,
    )
    preview = api.get(f"/datasets/{uid}/resources/{resource['resource_uid']}/preview")
    assert len(preview["records"]) <= 20
    api.post(
        f"/datasets/{uid}/processors/",
        {"name": "string_replace", "args": {"field": "f", "all_fields": False, "old": "a", "new": "b"}},
        expect=201,
    )
    api.post(
        f"/datasets/{uid}/fields_specifications/",
        {"name": "annotate", "args": {"field": "f", "annotation": "facet"}},
        expect=201,
    )
    api.put(f"/datasets/{uid}/metadata/default/description", {"value": "<p>…</p>"})
    assert api.put(f"/datasets/{uid}/security/access_policy", "restricted") == "restricted"
    job = api.put(f"/datasets/{uid}/publish", expect=202)
    assert len(job["job_id"]) > 0
    assert api.get(f"/datasets/{uid}/status")["name"] == "queued"
    run_worker()
    status = api.get(f"/datasets/{uid}/status")
    assert (status["published"], status["name"], status["records_errors"]) == (True, "idle", 0)
    assert api.explore("/catalog/datasets/my-data/records?limit=10")["total_count"] == 2
    api.explore("/catalog/datasets/my-data/records?limit=10", anonymous=True, expect=404)
    api.put(f"/datasets/{uid}/unpublish", expect=202)
    run_worker()
    status = api.get(f"/datasets/{uid}/status")
    assert (status["published"], status["name"]) == (False, "idle")

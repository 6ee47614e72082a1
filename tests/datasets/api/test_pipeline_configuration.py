"""The stored pipeline configuration: the ``order`` specification through a real publish, and processors or
specifications naming fields that do not exist refused when saved."""

import pytest

from datasets.models import Change, FieldSpecification, Processor
from tests.conftest import assert_status
from tests.datasets.api.conftest import rows_csv
from tests.datasets.api.pipeline_publish import published_dataset

BASE = "/api/management/v2"
ROWS = [{"ab": "x1", "cd": "7", "ef": "first"}, {"ab": "x2", "cd": "8", "ef": "second"}]


def add(api, uid, kind, body):
    return api.post(f"{BASE}/datasets/{uid}/{kind}/", body, format="json")


@pytest.mark.django_db(transaction=True)
class TestOrderSpecificationPublishes:
    @pytest.mark.parametrize("order", [["ef", "ab"], ["cd"]])
    def test_the_documented_array_form_is_published_in_that_order(self, chief_api, alice, run_worker, redis, order):
        spec = {"name": "order", "args": order}
        outcome = published_dataset(
            chief_api, alice, run_worker, "ordered", rows_csv(ROWS), specifications=[spec], order_by="ab"
        )
        assert (outcome["status"], outcome["message"]) == ("idle", None)
        names = [field["name"] for field in outcome["fields"]]
        assert names == order + [name for name in ("ab", "cd", "ef") if name not in order]
        assert [record["ef"] for record in outcome["records"]] == ["first", "second"]
        assert list(outcome["records"][0])[: len(order)] == order

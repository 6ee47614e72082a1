import datetime as dt
import hashlib

import pytest

from datasets.store import advisory_lock_key, index_name, record_id, table_name


def test_table_name_is_uid_and_version():
    assert table_name("da_x7k2p9", 3) == "da_x7k2p9_v3"


@pytest.mark.parametrize(
    "uid", ["da_X7K2P9", "da_x7k2p", "da_x7k2p9a", "xx_x7k2p9", 'da_x7k2"9', "da_x7k2p9; DROP", "", None]
)
def test_table_name_rejects_invalid_dataset_uids(uid):
    with pytest.raises(ValueError):
        table_name(uid, 1)
    with pytest.raises(ValueError):
        advisory_lock_key(uid)


@pytest.mark.parametrize("version", [0, -1, True, "1", 1.0])
def test_table_name_rejects_invalid_versions(version):
    with pytest.raises(ValueError):
        table_name("da_x7k2p9", version)


def test_record_id_is_stable_across_runs():
    # A fixed value: ids are public and must not change between releases of this code.
    record = {"name": "Paris", "population": 2_102_650, "area": 105.4, "day": dt.date(2024, 1, 31)}
    assert record_id(record, None) == "acfebc9d127b5978bc8cf8ee6c095155c873f133"
    assert record_id(dict(reversed(record.items())), None) == record_id(record, None)
    canonical = '{"area":105.4,"day":"2024-01-31","name":"Paris","population":2102650}'
    assert record_id(record, None) == hashlib.sha1(canonical.encode()).hexdigest()


def test_record_id_from_id_fields_ignores_other_fields():
    first = {"code": "75056", "name": "Paris", "population": 1}
    second = {"code": "75056", "name": "Paris (capitale)", "population": 2}
    assert record_id(first, ["code"]) == record_id(second, ["code"])
    assert record_id(first, ["code"]) != record_id({**first, "code": "75057"}, ["code"])
    assert record_id(first, ["code", "name"]) == record_id(first, ["name", "code"])


def test_record_id_of_the_whole_record_sees_every_value():
    record = {"code": "75056", "name": "Paris", "empty": None}
    assert record_id(record, None) != record_id({**record, "name": "Lyon"}, None)
    assert record_id(record, []) == record_id(record, None)


def test_record_id_normalises_datetimes_to_utc_and_handles_geo_values():
    paris = dt.timezone(dt.timedelta(hours=2))
    moment = dt.datetime(2024, 6, 1, 12, 0, tzinfo=paris)
    assert record_id({"at": moment}, None) == record_id({"at": moment.astimezone(dt.UTC)}, None)
    assert record_id({"point": (48.85, 2.35)}, None) == record_id({"point": [48.85, 2.35]}, None)
    assert record_id({"text": "\ud800 lone surrogate"}, None)  # never a UnicodeEncodeError


def test_index_names_fit_63_bytes_and_stay_unique():
    assert index_name("da_x7k2p9_v1", "price", "idx") == "da_x7k2p9_v1_price_idx"
    long_a, long_b = "a" * 60 + "_one", "a" * 60 + "_two"
    name_a, name_b = index_name("da_x7k2p9_v1", long_a, "idx"), index_name("da_x7k2p9_v1", long_b, "idx")
    assert len(name_a.encode()) <= 63 and len(name_b.encode()) <= 63
    assert name_a != name_b
    assert name_a == index_name("da_x7k2p9_v1", long_a, "idx")
    assert len(index_name("da_x7k2p9_v1", "é" * 40, "idx").encode()) <= 63


def test_advisory_lock_key_is_a_stable_signed_64_bit_int():
    key = advisory_lock_key("da_x7k2p9")
    assert key == advisory_lock_key("da_x7k2p9") == -9002247931973563340
    assert -(2**63) <= key < 2**63
    assert key != advisory_lock_key("da_x7k2p8")

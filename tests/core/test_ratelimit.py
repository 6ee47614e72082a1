"""The shared fixed-window counters (``core.ratelimit``) against the tests' Redis."""

from core.ratelimit import KeyCount, Window, WindowCount, count_hit, count_hits_from_first, read_counts


def test_aligned_windows_follow_each_other_from_the_epoch():
    assert Window.aligned(119.5, 60) == Window(start=60, end=120, number=1)
    assert Window.aligned(120, 60) == Window(start=120, end=180, number=2)


def test_a_clock_window_counts_hits_and_ends_at_its_end(redis):
    window = Window(start=1000, end=1060)
    assert count_hit(redis, "hits", window) == WindowCount(count=1, reset=1060)
    assert count_hit(redis, "hits", window, ttl=5) == WindowCount(count=2, reset=1060)
    assert 0 < redis.ttl("hits") <= 5


def test_a_window_opened_by_the_first_hit_keeps_its_expiry(redis):
    assert count_hits_from_first(redis, ["a", "b"], 300) == [1, 1]
    redis.expire("a", 100)
    assert count_hits_from_first(redis, ["a"], 300) == [2]
    assert 0 < redis.ttl("a") <= 100
    counted, _, missing = read_counts(redis, ["a", "b", "missing"])
    assert counted.count == 2 and 0 < counted.ttl <= 100
    assert missing == KeyCount(count=0, ttl=-2)

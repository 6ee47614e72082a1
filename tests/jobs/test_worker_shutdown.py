"""Workers stop at once when told to: an idle worker's command-channel thread never holds up a shutdown."""

import os
import signal
import threading
import time

import pytest
from rq import Worker as RQWorker

from jobs.workers import PUBSUB_POLL_SECONDS, SimpleWorker
from tests.jobs.test_workers import start_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("args", [(), ("--with-scheduler",)], ids=["worker", "worker with scheduler"])
def test_an_idle_worker_stops_within_seconds_of_sigterm(redis, settings, args):
    """``make run``'s Ctrl-C and a deploy's restart send SIGTERM: the worker must not linger for a minute."""
    worker = start_worker(settings, *args)
    try:
        wait_for(lambda: len(RQWorker.all(connection=redis)) == 1, 30, "the worker never registered")
        time.sleep(2)  # its command-channel thread is now inside its Redis poll
        stopped_at = time.monotonic()
        os.killpg(worker.pid, signal.SIGTERM)
        output, _ = worker.communicate(timeout=10)
        elapsed = time.monotonic() - stopped_at
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
    assert worker.returncode == 0, output.decode()[-2000:]
    assert elapsed < 10
    assert RQWorker.all(connection=redis) == []


def test_unsubscribing_never_waits_out_the_command_channel_poll(redis):
    """The race behind the minute-long shutdowns, made certain: the command thread has already read the
    unsubscribe reply (so it waits for a new subscription) when the worker stops it."""
    worker = SimpleWorker([], connection=redis)
    worker.subscribe()
    wait_for(lambda: worker.pubsub.subscribed, 5, "the worker never subscribed")
    worker.pubsub.unsubscribe()
    wait_for(lambda: not worker.pubsub.subscribed, 5, "the unsubscribe reply never arrived")
    time.sleep(0.1)  # the thread is back in its poll, now waiting to be subscribed again

    started = time.monotonic()
    stopper = threading.Thread(target=worker.unsubscribe, daemon=True)
    stopper.start()
    stopper.join(30)
    assert not stopper.is_alive(), "unsubscribe still waiting after 30 s"
    assert time.monotonic() - started < PUBSUB_POLL_SECONDS + 2
    assert not worker.pubsub_thread.is_alive()


def test_stopping_never_closes_the_connection_beside_the_command_thread(redis, monkeypatch):
    """A loaded machine: the command thread is still inside a slow poll when the worker stops. Closing its
    pub/sub from the main thread meanwhile races the thread's own close (redis-py's PubSub.reset is not
    thread-safe); the worker waits for the thread instead."""
    worker = SimpleWorker([], connection=redis)
    worker.subscribe()
    wait_for(lambda: worker.pubsub.subscribed, 5, "the worker never subscribed")
    thread, pubsub, outside_closes = worker.pubsub_thread, worker.pubsub, []
    poll, close = pubsub.get_message, pubsub.close

    def slow_poll(*args, **kwargs):
        time.sleep(1.5)  # longer than RQ's one-second wait
        return poll(*args, **kwargs)

    def watched_close():
        if threading.current_thread() is not thread and thread.is_alive():
            outside_closes.append(time.monotonic())
        close()

    monkeypatch.setattr(pubsub, "get_message", slow_poll)
    monkeypatch.setattr(pubsub, "close", watched_close)
    time.sleep(0.2)  # the thread is now inside a slow poll
    worker.unsubscribe()
    assert not thread.is_alive()
    assert outside_closes == []
    assert pubsub.connection is None

"""The RQ worker classes the platform runs: RQ's own, but stopping within a second when told to.

RQ listens for commands (stop a job, shut down) on a pub/sub channel read by a background thread
that polls Redis with a 60 s timeout. At shutdown RQ unsubscribes, then stops that thread; since
redis-py 8.2, ``PubSubWorkerThread.stop()`` waits for the thread, and a thread that saw the
unsubscribe reply first sits out its whole timeout. Every burst drain, Ctrl-C of ``make run`` and
worker restart then took a minute. These classes poll every ``PUBSUB_POLL_SECONDS`` instead, so
the thread notices the stop within that time, whatever the redis-py release.

Stopping waits for that thread to end (it closes its pub/sub connection as it leaves) instead of
closing the connection beside it: RQ's own teardown waits one second, then closes it from the
main thread, and two threads closing one redis-py PubSub at once fail
(``'NoneType' object has no attribute 'deregister_connect_callback'``), which a loaded machine
hits when the thread wakes at the end of that second.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rq import SimpleWorker as RQSimpleWorker
from rq import Worker as RQWorker

# The mixin below is only ever combined with an RQ worker: it is typed as one.
if TYPE_CHECKING:
    _WorkerBase = RQWorker
else:
    _WorkerBase = object

# A quarter of a second: stopping waits for the thread, so every burst drain (each publish of the tests)
# and every shutdown ends up to one poll after its work.
PUBSUB_POLL_SECONDS = 0.25
# How long stopping waits for the command thread before closing its connection from outside (a
# thread stuck on a dead Redis); it normally ends within PUBSUB_POLL_SECONDS.
PUBSUB_STOP_SECONDS = 10.0


class PromptShutdownMixin(_WorkerBase):
    """Subscribe to the worker's command channel with a short poll, so shutdown never waits long."""

    def subscribe(self) -> None:
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]  # rq types the attribute as None
            sleep_time=PUBSUB_POLL_SECONDS, daemon=True, exception_handler=self._pubsub_exception_handler
        )

    def unsubscribe(self) -> None:
        thread = self.pubsub_thread
        if not thread:
            return
        self.log.info("Worker %s: unsubscribing from channel %s", self.name, self.pubsub_channel_name)
        self.pubsub.unsubscribe()
        thread.stop()
        thread.join(timeout=PUBSUB_STOP_SECONDS)
        if thread.is_alive():
            self.pubsub.close()  # stuck: its connection goes from here, the thread fails and ends


class Worker(PromptShutdownMixin, RQWorker):
    """The forking worker of ``manage.py rqworker`` (each job in its own work horse process)."""


class SimpleWorker(PromptShutdownMixin, RQSimpleWorker):
    """The in-process worker (no fork): tests and benchmarks drain queues with it."""

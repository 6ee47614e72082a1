"""The RQ worker classes the platform runs: RQ's own, but stopping within a second when told to.

RQ listens for commands (stop a job, shut down) on a pub/sub channel read by a background thread
that polls Redis with a 60 s timeout. At shutdown RQ unsubscribes, then stops that thread; since
redis-py 8.2, ``PubSubWorkerThread.stop()`` waits for the thread, and a thread that saw the
unsubscribe reply first sits out its whole timeout. Every burst drain, Ctrl-C of ``make run`` and
worker restart then took a minute. These classes poll every ``PUBSUB_POLL_SECONDS`` instead, so
the thread notices the stop within that time, whatever the redis-py release.

That time must stay well under the one second rq's ``unsubscribe`` waits for the thread (``join(timeout=1)``)
before closing the pub/sub itself: a thread still polling when that second ends closes it at the same
moment, and one of the two closes fails on the connection the other has just dropped (``AttributeError:
'NoneType' object has no attribute 'deregister_connect_callback'`` in redis-py's ``PubSub.reset``), in the
worker or in its command thread. With a one-second poll that happened to about one burst drain in a
hundred on a loaded machine.
"""

from __future__ import annotations

from rq import SimpleWorker as RQSimpleWorker
from rq import Worker as RQWorker

PUBSUB_POLL_SECONDS = 0.25
RQ_UNSUBSCRIBE_JOIN_SECONDS = 1.0  # rq.worker.base.BaseWorker.unsubscribe: pubsub_thread.join(timeout=1)


class PromptShutdownMixin:
    """Subscribe to the worker's command channel with a short poll, so shutdown never waits long."""

    def subscribe(self) -> None:
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=PUBSUB_POLL_SECONDS, daemon=True, exception_handler=self._pubsub_exception_handler
        )


class Worker(PromptShutdownMixin, RQWorker):
    """The forking worker of ``manage.py rqworker`` (each job in its own work horse process)."""


class SimpleWorker(PromptShutdownMixin, RQSimpleWorker):
    """The in-process worker (no fork): tests and benchmarks drain queues with it."""

"""Jobs per second through our Job row + RQ, against bare RQ in the same run.

Both sides enqueue N jobs, then drain them with one in-process SimpleWorker. The baseline is
a no-op RQ job; ours is the ping job: a PostgreSQL row written on enqueue, claimed, marked
running and finished by the worker (four single-row writes). The ratio is the price of
keeping the truth about jobs in PostgreSQL.

Usage: python bench/job_roundtrip.py [N]
"""

import sys
import time

from _setup import noop, setup_django

setup_django()

import django_rq  # noqa: E402

from jobs.models import Job  # noqa: E402
from jobs.services import job_ping_request  # noqa: E402
from jobs.workers import SimpleWorker  # noqa: E402


def drain(queue) -> float:
    started = time.perf_counter()
    SimpleWorker([queue], connection=queue.connection).work(burst=True, logging_level="WARNING")
    return time.perf_counter() - started


def bare_rq(n: int) -> tuple[float, float]:
    queue = django_rq.get_queue("default")
    started = time.perf_counter()
    for _ in range(n):
        queue.enqueue(noop)
    return time.perf_counter() - started, drain(queue)


def with_job_rows(n: int) -> tuple[float, float]:
    queue = django_rq.get_queue("default")
    started = time.perf_counter()
    jobs = [job_ping_request(message="bench") for _ in range(n)]
    enqueue_seconds = time.perf_counter() - started
    run_seconds = drain(queue)
    done = Job.objects.filter(pk__in=[job.pk for job in jobs], state=Job.State.DONE).count()
    Job.objects.filter(pk__in=[job.pk for job in jobs]).delete()
    if done != n:
        raise SystemExit(f"only {done} of {n} jobs ended done")
    return enqueue_seconds, run_seconds


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    django_rq.get_connection("default").flushdb()
    base_enqueue, base_run = bare_rq(n)
    ours_enqueue, ours_run = with_job_rows(n)
    base_rate = n / (base_enqueue + base_run)
    ours_rate = n / (ours_enqueue + ours_run)
    print(f"job round trip, {n} jobs, one in-process SimpleWorker")
    print(f"  bare RQ no-op:      enqueue {base_enqueue:.2f}s  run {base_run:.2f}s  -> {base_rate:,.0f} jobs/s")
    print(f"  Job row + RQ ping:  enqueue {ours_enqueue:.2f}s  run {ours_run:.2f}s  -> {ours_rate:,.0f} jobs/s")
    print(f"  ratio (ours / bare RQ): {ours_rate / base_rate:.2f}")


if __name__ == "__main__":
    main()

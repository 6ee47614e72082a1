"""The datasets app's jobs: the bodies a worker runs and the hooks the job system calls.

``jobs`` knows no dataset: ``registration.register()``, called from ``DatasetsConfig.ready()``, tells it
(``jobs.registry``) which bodies run for the ``publish``, ``unpublish``, ``scheduled_publish`` and
``resource_check`` jobs, how a dataset recovers when such a job's worker died, who may read a job, and that
every reconciler pass starts the runs of due schedules.
"""

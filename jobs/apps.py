from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Jobs"

    def ready(self) -> None:
        from jobs.registry import register_job  # the models must be loaded first
        from jobs.tasks import ping_body

        register_job("ping", ping_body)

from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "datasets"
    verbose_name = "Datasets"

    def ready(self) -> None:
        # Imported here: the models must be loaded first.
        from datasets.services import shape_lookup
        from datasets.tasks import registration

        shape_lookup.register()
        registration.register()

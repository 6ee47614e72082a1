from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "datasets"
    verbose_name = "Datasets"

    def ready(self) -> None:
        from datasets.services import shape_lookup  # the models must be loaded first

        shape_lookup.register()

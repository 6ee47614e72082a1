"""Load the demo catalog; datasets already present (by dataset_id) are left untouched."""

import io
import random

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from datasets.demo import DEMO_DATASETS, demo_csv
from datasets.models import Dataset
from datasets.services import dataset_create
from datasets.services.files import file_store
from datasets.services.processing import processor_add, resource_add
from datasets.services.publishing import dataset_publish_request


@transaction.atomic
def create_demo(demo: dict, user) -> Dataset:
    """The dataset, its generated CSV resource and processors, and a publish request for the worker."""
    dataset = dataset_create(
        owner=user, dataset_id=demo["dataset_id"], metas=demo["metas"], visibility=Dataset.Visibility.DOMAIN
    )
    header, rows = demo["csv"]
    content = demo_csv(header, rows(random.Random(demo["dataset_id"])))
    file = file_store(owner=user, stream=io.BytesIO(content), filename=f"{demo['dataset_id']}.csv")
    resource_add(dataset=dataset, body={"url": file.url, "title": "Data", "type": "csvfile"}, user=user)
    for processor in demo["processors"]:
        processor_add(dataset=dataset, body=processor, user=user)
    dataset_publish_request(dataset=dataset, user=user)
    return dataset


class Command(BaseCommand):
    help = "Create the demo datasets that do not exist yet; never duplicates or overwrites."

    def add_arguments(self, parser):
        parser.add_argument("--owner", default="admin", help="username of the owner (default: admin)")

    def handle(self, *args, owner, **options):
        user = get_user_model().objects.filter(username=owner).first()
        existing = set(Dataset.objects.values_list("dataset_id", flat=True))
        created = 0
        for demo in DEMO_DATASETS:
            if demo["dataset_id"] in existing:
                continue
            create_demo(demo, user)
            created += 1
        self.stdout.write(
            f"demo catalog: {created} created and queued for publishing, {len(DEMO_DATASETS) - created} already there"
        )

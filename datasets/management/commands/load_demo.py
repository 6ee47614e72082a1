"""Load the demo catalog; datasets already present (by dataset_id) are left untouched."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from datasets.demo import DEMO_DATASETS
from datasets.models import Dataset
from datasets.services import dataset_create


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
            dataset_create(
                owner=user, dataset_id=demo["dataset_id"], metas=demo["metas"], visibility=Dataset.Visibility.DOMAIN
            )
            created += 1
        self.stdout.write(f"demo catalog: {created} created, {len(DEMO_DATASETS) - created} already there")

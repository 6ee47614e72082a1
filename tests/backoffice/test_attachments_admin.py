"""The dataset's back-office page lists its attachments and alternative exports, read-only and escaped."""

from __future__ import annotations

import pytest

from datasets.models import AlternativeExport, Attachment
from tests.backoffice.conftest import DATASETS

pytestmark = pytest.mark.django_db


def test_the_change_page_lists_both_lists_in_order(editor_client, trees):
    first = Attachment.objects.create(dataset=trees, url="odsfile://fi_guide", title="<b>Guide</b>", position=0)
    second = Attachment.objects.create(dataset=trees, url="odsfile://fi_terms", position=1)
    export = AlternativeExport.objects.create(dataset=trees, url="odsfile://fi_dump", title="Full dump")
    response = editor_client.get(f"{DATASETS}{trees.pk}/change/")
    assert response.status_code == 200
    body = response.content.decode()
    assert f"<li><code>{first.attachment_uid}</code> &lt;b&gt;Guide&lt;/b&gt; (odsfile://fi_guide)</li>" in body
    assert f"<li><code>{second.attachment_uid}</code> (no title) (odsfile://fi_terms)</li>" in body
    assert body.index(first.attachment_uid) < body.index(second.attachment_uid)
    assert f"<li><code>{export.export_uid}</code> Full dump (odsfile://fi_dump)</li>" in body


def test_the_add_page_and_an_empty_dataset_render(root_client, trees):
    assert root_client.get(f"{DATASETS}add/").status_code == 200
    body = root_client.get(f"{DATASETS}{trees.pk}/change/").content.decode()
    assert "alternative exports" in body.lower()
    assert "<code>at_" not in body and "<code>ae_" not in body

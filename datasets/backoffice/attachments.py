"""A dataset's attachments and alternative exports on its back-office page: listed, read-only.

They are written through the management API (``datasets.services.attachments``), which checks the file and
records each change in the dataset's history; the back-office only lists them, so nothing here bypasses that.
Read-only fields rather than inlines: an inline would add a formset every save of the page must submit.
"""

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from datasets.services.attachments import ALTERNATIVE_EXPORTS, ATTACHMENTS, LinkKind

LISTED_FILES = ["attachments_list", "alternative_exports_list"]


def link_list(kind: LinkKind, dataset) -> str:
    """``uid — title (url)`` per row, in order; "None" for an unsaved dataset or an empty list."""
    rows = kind.rows(dataset) if dataset is not None and dataset.pk else []
    items = [(kind.uid_of(row), row.title or "(no title)", row.url) for row in rows]
    if not items:
        return "None"
    return format_html("<ul>{}</ul>", format_html_join("", "<li><code>{}</code> {} ({})</li>", items))


class LinkedFilesAdminMixin:
    """Adds ``LISTED_FILES`` to a dataset admin's read-only fields."""

    @admin.display(description="attachments")
    def attachments_list(self, obj) -> str:
        return link_list(ATTACHMENTS, obj)

    @admin.display(description="alternative exports")
    def alternative_exports_list(self, obj) -> str:
        return link_list(ALTERNATIVE_EXPORTS, obj)

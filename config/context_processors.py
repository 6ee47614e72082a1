"""Values every page template reads."""

from django.conf import settings
from django.http import HttpRequest


def catalog(request: HttpRequest) -> dict[str, str]:
    """The installation's catalog name, shown in page titles and the header."""
    return {"catalog_title": settings.CATALOG_TITLE}

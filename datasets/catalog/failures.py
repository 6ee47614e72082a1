"""The friendly 500 page of the catalog pages, with ``DEBUG`` on too.

Without ``DEBUG``, an unexpected error goes up to Django, which logs it and answers through ``handler500``
(``config/errors.py``: ``templates/500.html`` outside the APIs). With ``DEBUG`` on, Django would answer its technical
page instead, a traceback a visitor of a development server (``make run``) should not meet: the catalog views then
log the error themselves (the traceback stays in the log) and answer the same friendly page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]


def friendly_failures(view: View) -> View:
    """``view``, answering ``500.html`` for an unexpected error when ``DEBUG`` is on (see the module)."""

    @wraps(view)
    def answer(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Exception:
            if not settings.DEBUG:
                raise  # Django logs it and handler500 answers the same page.
            request_id = getattr(request, "request_id", None)
            logger.exception("internal error on %s %s, request id %s", request.method, request.path, request_id)
            context = {"catalog_title": settings.CATALOG_TITLE, "request_id": request_id}
            return HttpResponse(render_to_string("500.html", context), status=500)

    return answer

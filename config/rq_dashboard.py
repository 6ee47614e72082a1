"""The job queue dashboard (django-rq) at ``/admin/rq/``, for superusers only.

The dashboard lists and acts on every job of every dataset (stop, delete, requeue, empty a queue) and shows
their tracebacks. Publishers are staff users of the back-office, so staff status is not enough: a staff user
who is not a superuser gets a 403 on every page and action of it. Anybody else meets django-rq's own checks as
before (the admin login page; a bearer token for the statistics JSON when ``RQ_API_TOKEN`` is set).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern
from django_rq.urls import get_admin_urlpatterns, get_api_urlpatterns


def superusers_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``view``, refused (403) to a signed-in staff user who is not a superuser."""

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.is_staff and not user.is_superuser:
            raise PermissionDenied("The job queue dashboard is for superusers.")
        return view(request, *args, **kwargs)

    return guarded


def dashboard_urlpatterns() -> list[URLPattern]:
    """django-rq's URL patterns (its dashboard and its statistics), every view behind ``superusers_only``."""
    api = [
        URLPattern(pattern.pattern, superusers_only(pattern.callback), pattern.default_args, pattern.name)
        for pattern in get_api_urlpatterns()
    ]
    return [*api, *get_admin_urlpatterns(view_wrapper=superusers_only)]

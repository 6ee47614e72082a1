"""A dataset's resources in the back-office: added from an upload or an http(s) URL, edited, removed.

The same services as the management API: ``file_store`` keeps an upload, ``url_guess_extractors`` and
``url_guess_extractor_params`` pick the extractor and its parameters when the form leaves them to the
platform, and ``resource_add`` / ``resource_update`` / ``resource_delete`` check the resource can be read
(an http(s) source is fetched through the SSRF guard) and record the change in the dataset's history.
Every write needs ``edit_dataset`` on the dataset, as in the API; a refusal of the services is shown on
the form with their message, and then nothing stored has changed.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from core.errors import ManagementAPIError
from datasets.backoffice.forms import ResourceEditForm, ResourceUploadForm, ResourceUrlForm
from datasets.backoffice.views.page import change_url, dataset_or_404, render, require
from datasets.models import Dataset, File, Resource
from datasets.services.files import file_discard, file_store
from datasets.services.preview import url_guess_extractor_params, url_guess_extractors
from datasets.services.processing import resource_add, resource_delete, resource_update

PURPOSE = "change the resources of this dataset"


def resource_or_404(dataset: Dataset, resource_uid: str) -> Resource:
    resource = dataset.resources.filter(resource_uid=resource_uid).first()
    if resource is None:
        raise Http404("No such resource.")
    return resource


def url_filename(url: str) -> str | None:
    """The last path segment of an http(s) URL, a hint for the guess (``trees.csv``)."""
    return posixpath.basename(urlsplit(url).path) or None


def extractor_for(url: str, filename: str | None) -> str:
    """The first recommended extractor for the source (by its bytes, name and type)."""
    guess = url_guess_extractors(url, filename)
    recommended = guess["recommended_extractors"] or guess["other_extractors"]
    return recommended[0]


def guessed_body(url: str, filename: str | None, extractor: str, title: str) -> dict[str, Any]:
    """A resource body for ``url`` whose extractor (unless chosen) and params are guessed by the services."""
    extractor = extractor or extractor_for(url, filename)
    params = url_guess_extractor_params(url, extractor)["params"]
    return {"url": url, "type": extractor, "params": params, "title": title}


@contextmanager
def stored_upload(request: HttpRequest, upload) -> Iterator[File | None]:
    """The uploaded file stored for the resource being saved (None without an upload).

    Removed again when the save fails: in the back-office nothing else can refer to it (unlike the API,
    where a client stores a file in order to name it), so a refused upload leaves nothing stored.
    """
    if not upload:
        yield None
        return
    file = file_store(owner=cast(User, request.user), stream=upload, filename=upload.name)
    try:
        yield file
    except BaseException:
        file.delete()
        file_discard(file)
        raise


def preview_redirect(dataset: Dataset, resource: Resource) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("admin:datasets_dataset_preview", args=[dataset.pk, resource.resource_uid]))


def upload_view(request: HttpRequest, model_admin, object_id: str) -> HttpResponse:
    """``<id>/resources/add/``: upload a file as a new resource; then its preview is shown."""
    dataset = dataset_or_404(model_admin, request, object_id)
    require(request, dataset, "edit_dataset", PURPOSE)
    form = ResourceUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload, data = form.cleaned_data["file"], form.cleaned_data
        try:
            with stored_upload(request, upload) as file:
                body = guessed_body(cast(File, file).url, cast(File, file).filename, data["type"], data["title"])
                resource = resource_add(dataset=dataset, body=body, user=request.user)
        except ManagementAPIError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Resource {resource.resource_uid} added to {dataset.dataset_id}.")
            return preview_redirect(dataset, resource)
    title = f"Add a resource to {dataset.dataset_id}"
    return render(request, model_admin, dataset, "resource_upload.html", title, form=form)


def url_add_view(request: HttpRequest, model_admin, object_id: str) -> HttpResponse:
    """``<id>/resources/add-url/``: an http(s) URL as a new resource; then its preview is shown."""
    dataset = dataset_or_404(model_admin, request, object_id)
    require(request, dataset, "edit_dataset", PURPOSE)
    form = ResourceUrlForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        url = data["url"].strip()
        try:
            body = guessed_body(url, url_filename(url), data["type"], data["title"])
            resource = resource_add(dataset=dataset, body=body, user=request.user)
        except ManagementAPIError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Resource {resource.resource_uid} added to {dataset.dataset_id}.")
            return preview_redirect(dataset, resource)
    title = f"Add a resource from a URL to {dataset.dataset_id}"
    return render(request, model_admin, dataset, "resource_url.html", title, form=form)


def edited_body(resource: Resource, form: ResourceEditForm, file: File | None) -> dict[str, Any]:
    """The resource body the edit form asks for; a new upload (``file``, already stored) becomes the URL.

    Params left empty are guessed; so are params left as they were while the format changed, since
    the old extractor's params would not suit the new one.
    """
    data = form.cleaned_data
    filename: str | None
    if file is not None:
        url, filename = file.url, file.filename
    else:
        url = data["url"].strip()
        filename = url_filename(url) if url.startswith(("http://", "https://")) else None
    extractor = data["type"]
    params = data["params"]
    # Compared as JSON, not as text: browsers send a textarea's lines ended with CRLF.
    if params is None or (extractor != resource.type and params == resource.params):
        return guessed_body(url, filename, extractor, data["title"])
    return {"url": url, "type": extractor, "params": params, "title": data["title"]}


def edit_view(request: HttpRequest, model_admin, object_id: str, resource_uid: str) -> HttpResponse:
    """``<id>/resources/<uid>/edit/``: change a resource in place (its uid stays); then its preview is shown."""
    dataset = dataset_or_404(model_admin, request, object_id)
    require(request, dataset, "edit_dataset", PURPOSE)
    resource = resource_or_404(dataset, resource_uid)
    initial = {
        "title": resource.title,
        "url": resource.url,
        "type": resource.type,
        "params": json.dumps(resource.params, indent=2, ensure_ascii=False, sort_keys=True),
    }
    form = ResourceEditForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with stored_upload(request, form.cleaned_data["file"]) as file:
                resource_update(resource=resource, body=edited_body(resource, form, file), user=request.user)
        except ManagementAPIError as error:
            # The service refused before writing (and its transaction rolled back): reread what is stored.
            resource.refresh_from_db()
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Resource {resource.resource_uid} of {dataset.dataset_id} saved.")
            return preview_redirect(dataset, resource)
    title = f"Resource {resource.title or resource.resource_uid} of {dataset.dataset_id}"
    return render(request, model_admin, dataset, "resource_edit.html", title, form=form, resource=resource)


def delete_view(request: HttpRequest, model_admin, object_id: str, resource_uid: str) -> HttpResponse:
    """``<id>/resources/<uid>/delete/``: a confirmation page (GET), the removal itself (POST)."""
    dataset = dataset_or_404(model_admin, request, object_id)
    require(request, dataset, "edit_dataset", PURPOSE)
    resource = resource_or_404(dataset, resource_uid)
    if request.method != "POST":
        title = f"Remove resource {resource.title or resource.resource_uid}?"
        return render(request, model_admin, dataset, "resource_delete.html", title, resource=resource)
    try:
        resource_delete(resource=resource, user=request.user)
    except ManagementAPIError as error:
        messages.error(request, f"Could not remove {resource_uid}: {error}")
    else:
        messages.success(request, f"Resource {resource_uid} removed from {dataset.dataset_id}.")
    return HttpResponseRedirect(change_url(dataset))

"""Adding a resource from the back-office: upload a file, let the services guess how to read it, preview it.

The same services as the management API: ``file_store`` keeps the upload, ``url_guess_extractors`` and
``url_guess_extractor_params`` pick the extractor and its parameters when the form leaves them to the
platform, and ``resource_add`` checks the resource can be read and records the change.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from config.errors import ManagementAPIError
from datasets.admin_backoffice import dataset_or_404
from datasets.permissions import Actor
from datasets.pipeline.extractors import EXTRACTORS
from datasets.services.files import file_store
from datasets.services.preview import url_guess_extractor_params, url_guess_extractors
from datasets.services.processing import resource_add


class ResourceUploadForm(forms.Form):
    file = forms.FileField(label="File")
    title = forms.CharField(label="Title", required=False, max_length=255)
    type = forms.ChoiceField(
        label="Format",
        required=False,
        choices=[("", "Guess from the file"), *[(e["type"], e["label"]) for e in EXTRACTORS]],
    )


def extractor_for(url: str, filename: str) -> str:
    """The first recommended extractor for the stored file (by its bytes, name and type)."""
    guess = url_guess_extractors(url, filename)
    recommended = guess["recommended_extractors"] or guess["other_extractors"]
    return recommended[0]


def upload_view(request: HttpRequest, model_admin, object_id: str) -> HttpResponse:
    """``<id>/resources/add/``: upload a file as a new resource; then its preview is shown."""
    dataset = dataset_or_404(model_admin, request, object_id)
    if "edit_dataset" not in Actor(request.user).dataset_permissions(dataset):
        raise PermissionDenied("edit_dataset is needed to add a resource.")
    form = ResourceUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            file = file_store(owner=request.user, stream=upload, filename=upload.name)
            extractor = form.cleaned_data["type"] or extractor_for(file.url, file.filename)
            params = url_guess_extractor_params(file.url, extractor)["params"]
            body = {"url": file.url, "type": extractor, "params": params, "title": form.cleaned_data["title"]}
            resource = resource_add(dataset=dataset, body=body, user=request.user)
        except ManagementAPIError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Resource {resource.resource_uid} added to {dataset.dataset_id}.")
            return HttpResponseRedirect(
                reverse("admin:datasets_dataset_preview", args=[dataset.pk, resource.resource_uid])
            )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": dataset,
        "title": f"Add a resource to {dataset.dataset_id}",
        "dataset": dataset,
        "form": form,
    }
    return TemplateResponse(request, "admin/datasets/dataset/resource_upload.html", context)

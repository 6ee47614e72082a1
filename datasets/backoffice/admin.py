"""The back-office: datasets (with their metadata and security rulesets), the history, API keys.

A staff user without a domain-wide dataset right sees only the datasets the management API lets them see
(``Actor.manageable_datasets``: their own, and those a ruleset grants them a right on), and edits the
rulesets only where they may manage security (``edit_dataset`` and ``manage_dataset``), as in the API.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import path, reverse
from django.utils.html import format_html

from core.errors import InvalidManagementAPIRequestError, ManagementAPIError
from datasets.access.permissions import MANAGE_SECURITY, MANAGEMENT_READ_PERMISSIONS, Actor
from datasets.backoffice import metadata as admin_metadata
from datasets.backoffice import pages as backoffice
from datasets.backoffice import pipeline as admin_pipeline
from datasets.backoffice import resources as admin_resources
from datasets.backoffice import schedules as admin_schedules
from datasets.backoffice.attachments import LISTED_FILES, LinkedFilesAdminMixin
from datasets.models import ApiKey, Change, Dataset, MetadataValue, Ruleset
from datasets.services import dataset_create, dataset_delete, dataset_rename, recording_change
from datasets.services.security import RULESET_ATTRIBUTES, check_granted, validated_ruleset

SECURITY_CHANGE = "_security_change"


class MetadataValueInline(admin.TabularInline):
    """Shown read-only: metadata is edited per template through the metadata service (``admin_metadata``)."""

    model = MetadataValue
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RulesetForm(forms.ModelForm):
    """Checks a ruleset as the API does (fields, ODSQL filter, quota, permissions, target, and that it grants
    only rights ``grantor`` holds: the inline sets it to the signed-in user)."""

    grantor: Actor | None = None

    class Meta:
        model = Ruleset
        fields = ["kind", "user", "group", *RULESET_ATTRIBUTES]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        targets = {Ruleset.Kind.USER: "user", Ruleset.Kind.GROUP: "group"}
        for name in ("user", "group"):
            if (targets.get(kind) == name) != bool(data.get(name)):
                needed = "needs" if targets.get(kind) == name else "takes no"
                raise ValidationError({name: f"A {kind} ruleset {needed} {name}."})
        body = {name: data[name] for name in RULESET_ATTRIBUTES if name in data}
        body.setdefault("permissions", [])
        try:
            data.update(validated_ruleset(self.instance.dataset, body, kind))
            kept = self.instance.permissions if self.instance.pk else ()
            check_granted(self.instance.dataset, data, self.grantor, kept=kept)
        except ManagementAPIError as error:
            errors = error.errors if isinstance(error, InvalidManagementAPIRequestError) else [error]
            raise ValidationError([str(item) for item in errors]) from None
        return data


class RulesetInline(admin.TabularInline):
    model = Ruleset
    form = RulesetForm
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = type("RulesetForm", (self.form,), {"grantor": Actor(request.user)})
        return super().get_formset(request, obj, **kwargs)

    def may_manage(self, request, obj) -> bool:
        if obj is None:
            return Actor(request.user).domain_permissions() >= set(MANAGE_SECURITY)
        return Actor(request.user).dataset_permissions(obj) >= set(MANAGE_SECURITY)

    def has_add_permission(self, request, obj=None):
        return self.may_manage(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.may_manage(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.may_manage(request, obj)

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff


def badge(kind: str, value: str, text: str) -> str:
    """A status badge: the text says it all, the colour (``badge-<kind>-<value>``) only repeats it."""
    return format_html('<span class="badge badge-{}-{}">{}</span>', kind, value, text)


@admin.register(Dataset)
class DatasetAdmin(LinkedFilesAdminMixin, admin.ModelAdmin):
    list_display = [
        "dataset_id",
        "dataset_uid",
        "status_badge",
        "published_badge",
        "visibility_badge",
        "owner",
        "last_modified",
    ]
    list_filter = ["visibility", "status", "is_published"]
    actions = ["publish_selected", "unpublish_selected", "abort_selected"]
    change_form_template = "admin/datasets/dataset/change_form.html"
    search_fields = ["dataset_id", "dataset_uid", "metadata_values__value"]
    readonly_fields = [
        "dataset_uid",
        "owner",
        "status",
        "status_since",
        "status_user",
        "status_error",
        "is_published",
        "published_at",
        "current_version",
        "created_at",
        "last_modified",
        *LISTED_FILES,
    ]
    inlines = [MetadataValueInline, RulesetInline]

    def get_queryset(self, request):
        return Actor(request.user).manageable_datasets() & super().get_queryset(request)

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return badge("status", obj.status, obj.get_status_display())

    @admin.display(description="published", ordering="is_published")
    def published_badge(self, obj):
        return badge("published", "yes" if obj.is_published else "no", "Published" if obj.is_published else "Draft")

    @admin.display(description="visibility", ordering="visibility")
    def visibility_badge(self, obj):
        return badge("visibility", obj.visibility, obj.get_visibility_display())

    def get_urls(self):
        """The back-office pages of one dataset (``datasets.backoffice.pages``), behind the admin's login."""

        def view(function):
            return self.admin_site.admin_view(lambda request, **kwargs: function(request, self, **kwargs))

        return [
            path("<str:object_id>/action/", view(backoffice.action_view), name="datasets_dataset_action"),
            path(
                "<str:object_id>/resources/<str:resource_uid>/preview/",
                view(backoffice.preview_view),
                name="datasets_dataset_preview",
            ),
            path("<str:object_id>/resources/add/", view(admin_resources.upload_view), name="datasets_dataset_upload"),
            path(
                "<str:object_id>/resources/add-url/",
                view(admin_resources.url_add_view),
                name="datasets_dataset_resource_add_url",
            ),
            path(
                "<str:object_id>/resources/<str:resource_uid>/edit/",
                view(admin_resources.edit_view),
                name="datasets_dataset_resource_edit",
            ),
            path(
                "<str:object_id>/resources/<str:resource_uid>/delete/",
                view(admin_resources.delete_view),
                name="datasets_dataset_resource_delete",
            ),
            path("<str:object_id>/steps/add/", view(admin_pipeline.step_view), name="datasets_dataset_step"),
            path(
                "<str:object_id>/steps/<str:uid>/delete/",
                view(admin_pipeline.step_delete_view),
                name="datasets_dataset_step_delete",
            ),
            path(
                "<str:object_id>/schedules/add/",
                view(admin_schedules.schedule_view),
                name="datasets_dataset_schedule_add",
            ),
            path(
                "<str:object_id>/schedules/<str:uid>/",
                view(admin_schedules.schedule_view),
                name="datasets_dataset_schedule",
            ),
            path(
                "<str:object_id>/schedules/<str:uid>/delete/",
                view(admin_schedules.schedule_delete_view),
                name="datasets_dataset_schedule_delete",
            ),
            path("<str:object_id>/changes/", view(backoffice.changes_view), name="datasets_dataset_changes"),
            path(
                "<str:object_id>/metadata/<str:template_name>/",
                view(admin_metadata.metadata_view),
                name="datasets_dataset_metadata",
            ),
            path(
                "<str:object_id>/changes/<str:change_uid>/restore/",
                view(backoffice.restore_view),
                name="datasets_dataset_restore",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        dataset = self.get_queryset(request).filter(pk=object_id).first() if str(object_id).isdigit() else None
        if dataset is not None:
            extra_context = {**(extra_context or {}), **backoffice.change_page_context(request, dataset)}
            extra_context["action_url"] = reverse("admin:datasets_dataset_action", args=[dataset.pk])
            extra_context["schedules"] = admin_schedules.schedule_rows(dataset)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Publish the selected datasets")
    def publish_selected(self, request, queryset):
        backoffice.run_bulk(request, queryset, "publish")

    @admin.action(description="Unpublish the selected datasets")
    def unpublish_selected(self, request, queryset):
        backoffice.run_bulk(request, queryset, "unpublish")

    @admin.action(description="Abort processing of the selected datasets")
    def abort_selected(self, request, queryset):
        backoffice.run_bulk(request, queryset, "abort")

    def may_see(self, request) -> bool:
        return request.user.is_staff and Actor(request.user).manageable_datasets().exists()

    def has_module_permission(self, request):
        return super().has_module_permission(request) or self.may_see(request) or self.has_add_permission(request)

    def has_view_permission(self, request, obj=None):
        if obj is not None and not Actor(request.user).dataset_permissions(obj) & MANAGEMENT_READ_PERMISSIONS:
            return False
        return super().has_view_permission(request, obj) or self.may_see(request)

    def has_add_permission(self, request):
        creator = request.user.is_staff and "create_dataset" in Actor(request.user).domain_permissions()
        return super().has_add_permission(request) or creator

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request) or self.may_see(request)
        return request.user.is_staff and "edit_dataset" in Actor(request.user).dataset_permissions(obj)

    def save_model(self, request, obj, form, change):
        """Changes to the access policy and the rulesets are recorded as one ``security`` change, as in the
        API (the recording opened here closes in ``save_related``, after the inlines are saved).

        A new dataset is made by ``dataset_create`` (its owner is the staff user, its creation a change),
        a new ``dataset_id`` goes through ``dataset_rename`` (its own change), as in the API.
        """
        if not change:
            created = dataset_create(owner=request.user, dataset_id=obj.dataset_id, visibility=obj.visibility)
            for field in Dataset._meta.concrete_fields:
                setattr(obj, field.attname, getattr(created, field.attname))
            obj._state.adding = False
            return
        if "dataset_id" in form.changed_data:
            wanted, obj.dataset_id = obj.dataset_id, form.initial["dataset_id"]
            dataset_rename(dataset=obj, dataset_id=wanted, user=request.user)
        if change:
            recording = recording_change(dataset=obj, user=request.user, sections=("security",))
            recording.__enter__()
            setattr(request, SECURITY_CHANGE, recording)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        recording = getattr(request, SECURITY_CHANGE, None)
        if recording is not None:
            delattr(request, SECURITY_CHANGE)
            recording.__exit__(None, None, None)

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        # The human identifier is frozen while published, as in the management API.
        if obj is not None and obj.is_published:
            fields.append("dataset_id")
        # The access policy is part of security, as in the API.
        if obj is not None and not Actor(request.user).dataset_permissions(obj) >= set(MANAGE_SECURITY):
            fields.append("visibility")
        return fields

    def delete_model(self, request, obj):
        """Through the service, so the records tables go too (and never while a job works on it)."""
        dataset_delete(dataset=obj)

    def delete_queryset(self, request, queryset):
        for dataset in queryset:
            dataset_delete(dataset=dataset)


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    """The configuration history, read-only and scoped as the datasets; each dataset's history page (with
    readable diffs and restore buttons) is linked from here."""

    list_display = ["change_uid", "dataset", "user", "timestamp", "sections", "history_link"]
    list_filter = ["timestamp"]
    search_fields = ["change_uid", "dataset__dataset_id", "dataset__dataset_uid"]
    readonly_fields = ["change_uid", "dataset", "user", "timestamp", "sections", "diff", "before"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(dataset__in=Actor(request.user).manageable_datasets())

    @admin.display(description="history")
    def history_link(self, obj):
        url = reverse("admin:datasets_dataset_changes", args=[obj.dataset_id])
        return format_html('<a href="{}#change-{}">Diff and restore</a>', url, obj.change_uid)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created by their owners through the API; administrators may review and delete them."""

    list_display = ["key_prefix", "label", "owner", "permissions", "created_at", "last_used_at"]
    search_fields = ["key_prefix", "label", "owner__username"]
    readonly_fields = ["apikey_uid", "owner", "label", "key_prefix", "permissions", "created_at", "last_used_at"]
    exclude = ["key_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

"""The back-office's model admins: datasets (with their metadata and security rulesets), the history, API keys.

A staff user without a domain-wide dataset right sees only the datasets the management API lets them see
(``Caller.manageable_datasets``: their own, and those a ruleset grants them a right on), and edits the
rulesets only where they may manage security (``edit_dataset`` and ``manage_dataset``), as in the API.
"""

from django.contrib import admin
from django.db.models import F, Prefetch
from django.urls import reverse
from django.utils.html import format_html

from datasets.access.caller import Caller
from datasets.access.permissions import MANAGE_SECURITY, MANAGEMENT_READ_PERMISSIONS
from datasets.backoffice.attachments import LISTED_FILES, LinkedFilesAdminMixin
from datasets.backoffice.inlines import MetadataValueInline, RulesetInline
from datasets.backoffice.pending import shows_pending
from datasets.backoffice.urls import dataset_urls
from datasets.backoffice.views.actions import run_bulk
from datasets.backoffice.views.change_form import change_page_context
from datasets.models import ApiKey, Change, Dataset, MetadataValue
from datasets.services import dataset_create, dataset_delete, dataset_rename, recording_change

SECURITY_CHANGE = "_security_change"
# Domain-wide rights that open the datasets list (to a creator, also while it is empty).
LIST_RIGHTS = MANAGEMENT_READ_PERMISSIONS | {"create_dataset"}
# Bookkeeping only a superuser needs to read on the change page (others see the status error's message).
INTERNAL_FIELDS = ("status_user", "status_error", "current_version")
# The publication state, which the page's live panel shows (and keeps current) above the form: as form
# fields they would go stale while a job runs, so only superusers get them there too.
LIVE_FIELDS = ("status", "status_since", "is_published", "published_at")


def titles_prefetch(path: str = "metadata_values") -> Prefetch:
    """Only the draft titles of the datasets at ``path``: what ``Dataset.draft_title`` reads, for a list."""
    return Prefetch(path, queryset=MetadataValue.objects.filter(template="default", name="title"))


def prefetch_titles(changelist, path: str = "metadata_values") -> None:
    """The draft titles of a changelist's page in one query (the page's rows, not the whole queryset)."""
    changelist.result_list = changelist.result_list.prefetch_related(titles_prefetch(path))


def badge(kind: str, value: str, text: str) -> str:
    """A status badge: the text says it all, the colour (``badge-<kind>-<value>``) only repeats it."""
    return format_html('<span class="badge badge-{}-{}">{}</span>', kind, value, text)


@admin.register(Dataset)
class DatasetAdmin(LinkedFilesAdminMixin, admin.ModelAdmin):
    list_display = [
        "title_column",
        "dataset_id",
        "status_badge",
        "published_badge",
        "visibility_badge",
        "record_count",
        "published_at",
        "owner",
    ]
    list_display_links = ["title_column"]
    list_select_related = ["owner"]
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
        scoped = Caller(request.user).manageable_datasets() & super().get_queryset(request)
        return scoped.annotate(version_record_count=F("current_version__record_count"))

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        prefetch_titles(changelist)
        return changelist

    @admin.display(description="title")
    def title_column(self, obj):
        return obj.draft_title

    @admin.display(description="records", ordering="version_record_count")
    def record_count(self, obj):
        """The records the public side serves (the current version's), or a dash when never published."""
        count = getattr(obj, "version_record_count", None)
        return "—" if count is None else count

    @admin.display(description="owner")
    def owner_name(self, obj):
        return obj.owner.get_username() if obj.owner else "—"

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return badge("status", obj.status, obj.get_status_display())

    @admin.display(description="published", ordering="is_published")
    def published_badge(self, obj):
        if not obj.is_published:
            return badge("published", "no", "Draft")
        if shows_pending(obj):
            return badge("published", "pending", "Published · changes pending")
        return badge("published", "yes", "Published")

    @admin.display(description="visibility", ordering="visibility")
    def visibility_badge(self, obj):
        return badge("visibility", obj.visibility, obj.get_visibility_display())

    def get_urls(self):
        """The back-office pages of one dataset (``datasets.backoffice.urls``), then Django's own."""
        return [*dataset_urls(self), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        dataset = self.get_queryset(request).filter(pk=object_id).first() if str(object_id).isdigit() else None
        if dataset is not None:
            # The page is headed by the dataset's title (its identifier beside it), as the lists name it.
            title = dataset.draft_title
            subtitle = title if title == dataset.dataset_id else f"{title} ({dataset.dataset_id})"
            extra_context = {**(extra_context or {}), **change_page_context(request, dataset), "subtitle": subtitle}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Publish the selected datasets")
    def publish_selected(self, request, queryset):
        run_bulk(request, queryset, "publish")

    @admin.action(description="Unpublish the selected datasets")
    def unpublish_selected(self, request, queryset):
        run_bulk(request, queryset, "unpublish")

    @admin.action(description="Abort processing of the selected datasets")
    def abort_selected(self, request, queryset):
        run_bulk(request, queryset, "abort")

    def may_see(self, request) -> bool:
        """Staff with a domain-wide right on datasets (even before there is one: a publisher's first visit),
        or with a right on some dataset."""
        if not request.user.is_staff:
            return False
        caller = Caller(request.user)
        return bool(caller.domain_rights() & LIST_RIGHTS) or caller.manageable_datasets().exists()

    def has_module_permission(self, request):
        return super().has_module_permission(request) or self.may_see(request) or self.has_add_permission(request)

    def has_view_permission(self, request, obj=None):
        if obj is not None and not Caller(request.user).rights_on(obj) & MANAGEMENT_READ_PERMISSIONS:
            return False
        return super().has_view_permission(request, obj) or self.may_see(request)

    def has_add_permission(self, request):
        creator = request.user.is_staff and "create_dataset" in Caller(request.user).domain_rights()
        return super().has_add_permission(request) or creator

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request) or self.may_see(request)
        return request.user.is_staff and "edit_dataset" in Caller(request.user).rights_on(obj)

    def save_model(self, request, obj, form, change):
        """Changes to the access policy and the rulesets are recorded as one ``security`` change, as in the
        API (the recording opened here closes in ``save_related``, after the inlines are saved).

        A new dataset is made by ``dataset_create`` (its owner is the staff user, its creation a change),
        a new ``dataset_id`` goes through ``dataset_rename`` (its own change), as in the API.
        """
        if not change:
            self.create_through_service(request, obj)
            return
        if "dataset_id" in form.changed_data:
            wanted, obj.dataset_id = obj.dataset_id, form.initial["dataset_id"]
            dataset_rename(dataset=obj, dataset_id=wanted, user=request.user)
        recording = recording_change(dataset=obj, user=request.user, sections=("security",))
        recording.__enter__()
        setattr(request, SECURITY_CHANGE, recording)
        super().save_model(request, obj, form, change)

    def create_through_service(self, request, obj) -> None:
        """Make ``obj`` (the add form's unsaved dataset) through ``dataset_create``, then take its fields."""
        created = dataset_create(owner=request.user, dataset_id=obj.dataset_id, visibility=obj.visibility)
        for field in Dataset._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        recording = getattr(request, SECURITY_CHANGE, None)
        if recording is not None:
            delattr(request, SECURITY_CHANGE)
            recording.__exit__(None, None, None)

    def get_inlines(self, request, obj):
        """The metadata shows once, by template, on the page; its raw rows only for superusers."""
        return [MetadataValueInline, RulesetInline] if request.user.is_superuser else [RulesetInline]

    def get_exclude(self, request, obj=None):
        # Left out of the form too: a field no longer read-only would otherwise become editable.
        return None if request.user.is_superuser else [*INTERNAL_FIELDS, *LIVE_FIELDS, "owner"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if not request.user.is_superuser:
            fields = [name for name in fields if name not in (*INTERNAL_FIELDS, *LIVE_FIELDS)]
            # Django links a read-only owner to the users admin, which only superusers may open.
            fields[fields.index("owner")] = "owner_name"
        # The human identifier is frozen while published, as in the management API.
        if obj is not None and obj.is_published:
            fields.append("dataset_id")
        # The access policy is part of security, as in the API.
        if obj is not None and not Caller(request.user).rights_on(obj) >= set(MANAGE_SECURITY):
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

    list_display = ["change_uid", "dataset_title", "user", "timestamp", "sections", "history_link"]
    list_filter = ["timestamp"]
    list_select_related = ["dataset", "user"]
    search_fields = ["change_uid", "dataset__dataset_id", "dataset__dataset_uid"]
    readonly_fields = ["change_uid", "dataset", "user", "timestamp", "sections", "diff", "before"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(dataset__in=Caller(request.user).manageable_datasets())

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        prefetch_titles(changelist, "dataset__metadata_values")
        return changelist

    @admin.display(description="dataset", ordering="dataset__dataset_id")
    def dataset_title(self, obj):
        return f"{obj.dataset.draft_title} ({obj.dataset.dataset_id})"

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

"""The inlines of the dataset admin's change form: its metadata values (read-only) and its security rulesets."""

from django.contrib import admin

from datasets.access.caller import Caller
from datasets.access.permissions import MANAGE_SECURITY
from datasets.backoffice.forms import RulesetForm
from datasets.models import MetadataValue, Ruleset


class MetadataValueInline(admin.TabularInline):
    """Shown read-only: metadata is edited per template through the metadata service (``views.metadata``)."""

    model = MetadataValue
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RulesetInline(admin.TabularInline):
    """Editable where the user may manage security (``edit_dataset`` and ``manage_dataset``), as in the API."""

    model = Ruleset
    form = RulesetForm
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = type("RulesetForm", (self.form,), {"grantor": Caller(request.user)})
        return super().get_formset(request, obj, **kwargs)

    def may_manage(self, request, obj) -> bool:
        if obj is None:
            return Caller(request.user).domain_rights() >= set(MANAGE_SECURITY)
        return Caller(request.user).rights_on(obj) >= set(MANAGE_SECURITY)

    def has_add_permission(self, request, obj=None):
        return self.may_manage(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.may_manage(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.may_manage(request, obj)

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff

"""The back-office pages of a dataset beyond Django's change form, one module per page or group of pages.

Every write goes through the same services as the management API (``datasets.services``) and is checked
with the same rights (``datasets.access.caller.Caller``): a dataset the staff user may not manage is
not found (the admin's scoped queryset), a missing right is a 403, and a refusal of the services comes back
as a message on the page, as the API's 400/409 would. ``datasets.backoffice.urls`` routes to these views.
"""

"""Who may do what in the management API, on top of the one visibility predicate (``datasets.access.visibility``).

Domain permissions (``create_dataset``, ``edit_dataset``, ``publish_dataset``, ``manage_dataset``,
``explore_restricted_dataset``) come from Django permissions given to users and groups. On one dataset a
user also holds what ``datasets.access.visibility.dataset_rights`` grants: ``edit_dataset`` as its owner, and the
``permissions`` of the user's ruleset (else of their groups' rulesets) on that dataset alone. A request made
with an API key never gets more than the key's own permissions, whatever its owner holds.

The management API shows a dataset to whoever holds ``edit_dataset``, ``publish_dataset`` or
``manage_dataset`` on it; anybody else gets a 404, as if it did not exist. The caller
(``datasets.access.caller.Caller``) checks these names; this module only names them.
"""

from __future__ import annotations

DOMAIN_PERMISSIONS = (
    "create_dataset",
    "edit_dataset",
    "publish_dataset",
    "manage_dataset",
    "explore_restricted_dataset",
)
# Holding any of these on a dataset makes it visible in the management API.
MANAGEMENT_READ_PERMISSIONS = frozenset({"edit_dataset", "publish_dataset", "manage_dataset"})
# Not a permission of its own: "may see this dataset in the management API" (any of the above).
READ = "read"
# The security endpoints need both (reference §3.1 rows 33-38).
MANAGE_SECURITY = ("edit_dataset", "manage_dataset")

"""Django's admin autodiscovery imports this module; the back-office itself is the ``datasets.backoffice`` package."""

import datasets.backoffice.admin  # noqa: F401  (registers the datasets' model admins and back-office pages)

"""The back-office: Django's admin for the datasets, their history and API keys, and the dataset pages beyond
the change form. ``datasets/admin.py`` (Django's autodiscovery) imports ``admin``, which registers:

* ``admin``: the model admins; ``inlines`` and ``attachments``: what the dataset's change form shows;
* ``urls``: the dataset pages' URL patterns, which the dataset admin adds to its own;
* ``views``: those pages, one module per page or group of pages; ``forms``: their forms and the ruleset form.
"""

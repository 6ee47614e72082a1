from django.urls import re_path

from datasets.api.management.views import ManagementRootView

app_name = "management"

# Every route answers with and without its trailing slash (API decision 9).
urlpatterns = [
    re_path(r"^$", ManagementRootView.as_view(), name="root"),
]

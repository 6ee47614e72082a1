from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from config.health import health
from config.login_throttle import ThrottledAdminAuthenticationForm
from config.rq_dashboard import dashboard_urlpatterns
from datasets.api.explore.root import ExploreRootView
from datasets.api.management.views import ManagementRootView

# The admin's login refuses usernames and addresses with too many failed logins, and says so.
admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("", include("datasets.catalog.urls")),
    re_path(r"^health/?$", health, name="health"),
    # Browsers ask for /favicon.ico when a page (an API answer, say) links no icon.
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}favicon.svg", permanent=True)),
    # django-rq's namespace is kept: its templates reverse "django_rq:<view>".
    path("admin/rq/", include((dashboard_urlpatterns(), "django_rq"))),
    path("admin/", admin.site.urls),
    path("api/management/v2/", include("datasets.api.management.urls")),
    path("api/explore/v2.1/", include("datasets.api.explore.urls")),
    # The root without its trailing slash too, as every API route (API decision 9).
    re_path(r"^api/management/v2$", ManagementRootView.as_view()),
    re_path(r"^api/explore/v2\.1$", ExploreRootView.as_view()),
]

handler400 = "config.errors.handler400"
handler403 = "config.errors.handler403"
handler404 = "config.errors.handler404"
handler500 = "config.errors.handler500"

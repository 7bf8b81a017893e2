from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.views import favicon

urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("config.api_router")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("accounts/", include("accounts.urls")),
    path("quizzes/", include("quizzes.urls")),
    path("flashcards/", include("quizzes.flashcard_urls")),
    path("lessons/", include("lessons.urls")),
    path("practice/", include("exams.urls")),
    path("desk/", include("exams.desk_urls")),
    path("reports/", include("reviews.report_urls")),
    path("health/", include("exams.health_urls")),
    path("", include("reviews.urls")),  # /feedback/…, /courses/<slug>/board/, /courses/<slug>/reviews/
    path("", include("courses.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

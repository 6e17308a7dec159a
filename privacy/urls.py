from django.urls import include, path

from privacy import views

urlpatterns = [
    path("inventory/", views.privacy_inventory, name="privacy-inventory"),
    path("subject-access/", include("privacy.subject_access.urls")),
]

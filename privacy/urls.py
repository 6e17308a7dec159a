from django.urls import path

from privacy import views

urlpatterns = [
    path("inventory/", views.privacy_inventory, name="privacy-inventory"),
]

from django.urls import include, path

from privacy import retention_views, views

urlpatterns = [
    path("inventory/", views.privacy_inventory, name="privacy-inventory"),
    path("subject-access/", include("privacy.subject_access.urls")),
    # Retention, legal holds and erasure (privacy/retention_views.py).
    path("retention/", retention_views.privacy_retention, name="privacy-retention"),
    path("holds/", retention_views.privacy_holds, name="privacy-holds"),
    path("holds/<int:pk>/confirm/", retention_views.privacy_hold_confirm,
         name="privacy-hold-confirm"),
    path("holds/<int:pk>/withdraw/", retention_views.privacy_hold_withdraw,
         name="privacy-hold-withdraw"),
    path("holds/<int:pk>/lift/", retention_views.privacy_hold_lift, name="privacy-hold-lift"),
    path("holds/<int:pk>/lift/confirm/", retention_views.privacy_hold_lift_confirm,
         name="privacy-hold-lift-confirm"),
    path("erasure/", retention_views.privacy_erasures, name="privacy-erasures"),
    path("erasure/<int:pk>/decide/", retention_views.privacy_erasure_decide,
         name="privacy-erasure-decide"),
]

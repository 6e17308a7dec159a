from django.urls import path

from audit import views

urlpatterns = [
    path("", views.audit_log, name="audit-log"),
    path("export.csv", views.audit_export, name="audit-export"),
    path("reviews/", views.audit_reviews, name="audit-reviews"),
    path("records/<str:reference>/", views.audit_record, name="audit-record"),
    path("users/<str:username>/", views.audit_user, name="audit-user"),
    path("retention/", views.audit_retention, name="audit-retention"),
    path("retention/<int:pk>/approve/", views.audit_retention_approve,
         name="audit-retention-approve"),
    path("emergency-access/", views.emergency_list, name="emergency-list"),
    path("emergency-access/request/", views.emergency_request, name="emergency-request"),
    path("emergency-access/<int:pk>/review/", views.emergency_review, name="emergency-review"),
]

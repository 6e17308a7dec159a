from django.urls import path

from privacy.subject_access import views

urlpatterns = [
    path("", views.subject_access_list, name="subject-access-list"),
    path("search/", views.subject_access_search, name="subject-access-search"),
    path("new/<str:person_reference>/", views.subject_access_new, name="subject-access-new"),
    path("<str:reference>/", views.subject_access_detail, name="subject-access-detail"),
    path("<str:reference>/edit/", views.subject_access_edit, name="subject-access-edit"),
    path("<str:reference>/decide/", views.subject_access_decide, name="subject-access-decide"),
    path("<str:reference>/export.pdf", views.subject_access_export_pdf,
         name="subject-access-export-pdf"),
    path("<str:reference>/export.json", views.subject_access_export_json,
         name="subject-access-export-json"),
]

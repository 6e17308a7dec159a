from django.urls import path

from providers import views

urlpatterns = [
    path("", views.directory_search, name="directory-search"),
    path("export.json", views.directory_export, name="directory-export"),
    path("export.zip", views.directory_export_csv, name="directory-export-csv"),
    path("import/", views.directory_import, name="directory-import"),
    path("import/<int:run_id>/", views.directory_import_run, name="directory-import-run"),
    path("import/<int:run_id>/report.csv", views.directory_import_report,
         name="directory-import-report"),
    path("import/<int:run_id>/again/", views.directory_import_again,
         name="directory-import-again"),
    path("terms/", views.directory_terms, name="directory-terms"),
    path("terms/<int:term_id>/", views.directory_term_map, name="directory-term-map"),
    path("terms/accept-suggestions/", views.directory_terms_accept,
         name="directory-terms-accept"),
    path("manage/", views.directory_manage, name="directory-manage"),
    path("manage/<int:organization_id>/", views.directory_organization,
         name="directory-organization"),
    path("manage/<int:organization_id>/staff/", views.directory_staff_add,
         name="directory-staff-add"),
    path("manage/<int:organization_id>/staff/<int:membership_id>/remove/",
         views.directory_staff_remove, name="directory-staff-remove"),
    path("manage/<int:organization_id>/services/<int:service_id>/capacity/",
         views.directory_capacity, name="directory-capacity"),
]

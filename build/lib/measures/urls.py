from django.urls import path

from measures import views

urlpatterns = [
    path("", views.measures_overview, name="measures-overview"),
    path("export.csv", views.measures_export, name="measures-export"),
    path("landscape/", views.measures_landscape, name="measures-landscape"),
    path("landscape/export.csv", views.measures_landscape_export,
         name="measures-landscape-export"),
    path("activities/", views.measures_activities, name="measures-activities"),
    path("publish/", views.measures_publish, name="measures-publish"),
]


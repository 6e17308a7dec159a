from django.urls import path

from measures import views

# No account needed: what the programme lead published, frozen.
urlpatterns = [
    path("", views.measures_public, name="measures-public"),
    path("<int:snapshot_id>/", views.measures_public_snapshot, name="measures-public-snapshot"),
    path("<int:snapshot_id>/data.csv", views.measures_public_snapshot_csv,
         name="measures-public-snapshot-csv"),
    path("<int:snapshot_id>/data.json", views.measures_public_snapshot_json,
         name="measures-public-snapshot-json"),
]

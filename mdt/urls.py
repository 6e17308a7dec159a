"""MDT routes, included at /mdt/. Object ids are opaque integers; nothing personal in a URL."""

from django.urls import path

from mdt import views

urlpatterns = [
    path("", views.meeting_list, name="mdt-list"),
    path("meeting/<int:meeting_id>/", views.meeting_detail, name="mdt-meeting"),
    path("meeting/<int:meeting_id>/draft/", views.meeting_draft, name="mdt-draft"),
    path("meeting/<int:meeting_id>/items/", views.item_add, name="mdt-item-add"),
    path("meeting/<int:meeting_id>/publish/", views.meeting_publish, name="mdt-publish"),
    path("meeting/<int:meeting_id>/attendance/", views.meeting_attendance,
         name="mdt-attendance"),
    path("meeting/<int:meeting_id>/minutes/", views.meeting_minutes, name="mdt-minutes"),
    path("meeting/<int:meeting_id>/finalise/", views.meeting_finalise, name="mdt-finalise"),
    path("meeting/<int:meeting_id>/annotate/", views.meeting_annotate, name="mdt-annotate"),
    path("meeting/<int:meeting_id>/agenda.pdf", views.agenda_pdf, name="mdt-agenda-pdf"),
    path("meeting/<int:meeting_id>/minutes.pdf", views.minutes_pdf, name="mdt-minutes-pdf"),
    path("item/<int:item_id>/", views.item_detail, name="mdt-item"),
    path("item/<int:item_id>/remove/", views.item_remove, name="mdt-item-remove"),
    path("item/<int:item_id>/conflict/", views.item_conflict, name="mdt-conflict"),
    path("item/<int:item_id>/decision/", views.item_decision, name="mdt-decision"),
    path("item/<int:item_id>/action/", views.item_action, name="mdt-action"),
    path("item/<int:item_id>/minutes/", views.item_minutes, name="mdt-item-minutes"),
]

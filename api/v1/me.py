"""The signed-in account's own tasks (on cases it may see) and notifications."""

from rest_framework import serializers

from api import scopes
from api.base import ListView
from casework import selectors
from casework.models import Notification, Task


class TaskSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.reference")

    class Meta:
        model = Task
        # The title may name the work; never a person (the workflow writes them so).
        fields = ("id", "case", "kind", "title", "due_on", "created_at")


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ("id", "message", "link", "created_at", "read_at")


class MyTasks(ListView):
    serializer_class = TaskSerializer
    required_scopes = {"GET": scopes.ME_READ}

    def get_queryset(self):
        return selectors.open_tasks_for(self.request.user)


class MyNotifications(ListView):
    serializer_class = NotificationSerializer
    required_scopes = {"GET": scopes.ME_READ}

    def get_queryset(self):
        return Notification.objects.filter(user=self.request.user).order_by("-created_at", "-pk")

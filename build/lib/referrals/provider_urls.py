"""Closed-loop provider referrals and the provider portal, under /referrals/provider/.

Static paths first: the last routes take any reference.
"""

from django.urls import path

from referrals import provider_views as views

urlpatterns = [
    path("", views.portal, name="provider-referral-portal"),
    path("sent/", views.sent, name="provider-referral-sent"),
    path("send/<str:case_reference>/", views.new, name="provider-referral-new"),
    path("<str:reference>/", views.detail, name="provider-referral-detail"),
    path("<str:reference>/act/", views.act, name="provider-referral-act"),
    path("<str:reference>/attendance/", views.attendance, name="provider-referral-attendance"),
]

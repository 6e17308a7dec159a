from django.urls import path

from referrals import views

urlpatterns = [
    path("new/", views.referral_new, name="referral-new"),
    path("<str:reference>/", views.referral_detail, name="referral-detail"),
]

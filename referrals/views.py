"""Referral pages. Case opening lives in casework (it owns the case workflow)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from audit.access_log import record_read
from casework import access
from casework.forms import OpenCaseForm
from referrals.forms import StaffReferralForm
from referrals.models import Referral


def referral_new(request):
    if not access.can_enter_referral(request.user):
        raise PermissionDenied
    form = StaffReferralForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            referral = form.save(commit=False)
            referral.channel = Referral.Channel.STAFF
            referral.entered_by = request.user
            referral.save()
            messages.success(
                request, _("Referral %(ref)s received.") % {"ref": referral.reference}
            )
            return redirect("referral-detail", reference=referral.reference)
        return render(request, "referrals/referral_form.html", {"form": form}, status=400)
    return render(request, "referrals/referral_form.html", {"form": form})


def referral_detail(request, reference):
    referral = access.access_referral(request.user, reference)
    form = OpenCaseForm() if access.can_open_cases(request.user) and not referral.case_id else None
    record_read(referral, part="referral")
    return render(
        request, "referrals/referral_detail.html", {"referral": referral, "open_case_form": form}
    )

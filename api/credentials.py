"""Every write on API credentials: request, approve, refuse and revoke clients; personal tokens.

A client exists only once a second admin approves its request (the two-person rule of
casework.accounts.powers); revocation applies at once. A personal token is made only by its
owner, in a session whose second factor was checked within the step-up window.
"""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api import scopes as scope_names
from api.models import ApiClient, ApiClientRequest, PersonalToken
from audit import events
from casework import roles
from casework.accounts import powers
from providers import workflow as directory

# A personal token lasts at most this long; a client's expiry is the admin's choice.
PERSONAL_TOKEN_MAX_DAYS = 90


def _check_scopes(scopes, allowed) -> list[str]:
    unknown = sorted(set(scopes) - set(allowed))
    if unknown or not scopes:
        raise ValidationError({"scopes": _("Choose scopes from: %(allowed)s.")
                               % {"allowed": ", ".join(allowed)}})
    return [name for name in allowed if name in set(scopes)]


@transaction.atomic
def request_client(organization, *, name: str, scopes, expires_on: datetime.date,
                   actor) -> ApiClientRequest:
    """Ask for a client for `organization`; nothing usable exists until a second admin approves."""
    if not powers.may_administer(actor):
        raise PermissionDenied
    if expires_on <= timezone.localdate():
        raise ValidationError({"expires_on": _("Choose an expiry date in the future.")})
    request = ApiClientRequest.objects.create(
        organization=organization, name=name.strip()[:50],
        scopes=_check_scopes(scopes, scope_names.CLIENT_SCOPES), expires_on=expires_on,
        requested_by=actor,
    )
    events.record(events.API_CLIENT_REQUESTED, instance=request, actor=actor,
                  organization=organization.pk)
    return request


@transaction.atomic
def approve_client(request: ApiClientRequest, *, actor) -> tuple[ApiClient, str]:
    """As the second admin: make the client's account and key. Return the key (shown once)."""
    powers.check_second_admin(request, actor=actor)
    account = get_user_model().objects.create(
        username=f"api-client-{request.pk}", first_name="", last_name="",
    )
    account.set_unusable_password()  # it never signs in to the web pages
    account.save(update_fields=["password"])
    powers.change_groups(account, [Group.objects.get(name=roles.PROVIDER)], actor=actor)
    directory.add_staff(request.organization, username=account.username, actor=actor)
    expiry = timezone.make_aware(datetime.datetime.combine(request.expires_on, datetime.time.max))
    client, key = ApiClient.objects.create_key(
        name=request.name, organization=request.organization, account=account,
        request=request, scopes=request.scopes, expiry_date=expiry,
    )
    request.status = ApiClientRequest.Status.APPROVED
    request.decided_by, request.decided_at = actor, timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    events.record(events.API_CLIENT_APPROVED, instance=request, actor=actor, client=client.prefix,
                  requested_by=request.requested_by_id)
    return client, key


@transaction.atomic
def refuse_client(request: ApiClientRequest, *, actor) -> ApiClientRequest:
    powers.check_second_admin(request, actor=actor)
    request.status = ApiClientRequest.Status.REFUSED
    request.decided_by, request.decided_at = actor, timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    events.record(events.API_CLIENT_REFUSED, instance=request, actor=actor)
    return request


@transaction.atomic
def revoke(credential, *, actor):
    """Revoke a client (an admin) or a personal token (its owner or an admin), at once."""
    owner = getattr(credential, "user_id", None)
    if not (powers.may_administer(actor) or owner == actor.pk):
        raise PermissionDenied
    if credential.revoked:
        return credential
    credential.revoked = True
    credential.revoked_at, credential.revoked_by = timezone.now(), actor
    credential.save(update_fields=["revoked", "revoked_at", "revoked_by"])
    if isinstance(credential, ApiClient):
        credential.account.is_active = False  # nothing acts as the client any more
        credential.account.save(update_fields=["is_active"])
    events.record(events.API_CREDENTIAL_REVOKED, instance=credential.account
                  if isinstance(credential, ApiClient) else credential.user, actor=actor,
                  credential=credential.prefix)
    return credential


def personal_scopes(user) -> tuple[str, ...]:
    """The scopes a person's role can use at all (a token asking for more is refused)."""
    held = roles.of(user)
    allowed = [scope_names.ME_READ]
    if held & roles.CASE_STAFF:
        allowed += [scope_names.CASES_READ, scope_names.REFERRALS_WRITE,
                    scope_names.REFERRALS_READ, scope_names.PROVIDER_REFERRALS_READ,
                    scope_names.PROVIDER_REFERRALS_WRITE]
    if roles.PROVIDER in held:
        allowed += [scope_names.REFERRALS_WRITE, scope_names.REFERRALS_READ,
                    scope_names.PROVIDER_REFERRALS_READ, scope_names.PROVIDER_REFERRALS_WRITE]
    if held & (roles.CASE_STAFF | {roles.MDT, roles.ADMIN}):
        allowed.append(scope_names.DIRECTORY_READ)
    if roles.ADMIN in held:
        allowed.append(scope_names.DIRECTORY_WRITE)
    if roles.AUDITOR in held:
        allowed.append(scope_names.AUDIT_READ)
    return tuple(name for name in scope_names.ALL if name in set(allowed))


@transaction.atomic
def create_personal_token(*, actor, name: str, scopes, days: int,
                          second_factor_fresh: bool) -> tuple[PersonalToken, str]:
    """Make a token for `actor` only. Refused unless the second factor was just checked."""
    if not second_factor_fresh:
        raise PermissionDenied(_("Confirm your second factor first (step-up), then try again."))
    if not 1 <= days <= PERSONAL_TOKEN_MAX_DAYS:
        raise ValidationError({"days": _("Choose between 1 and %(max)d days.")
                               % {"max": PERSONAL_TOKEN_MAX_DAYS}})
    token, key = PersonalToken.objects.create_key(
        name=name.strip()[:50] or "token", user=actor,
        scopes=_check_scopes(scopes, personal_scopes(actor)),
        expiry_date=timezone.now() + datetime.timedelta(days=days),
    )
    events.record(events.API_TOKEN_CREATED, instance=actor, actor=actor, credential=token.prefix,
                  scopes=token.scopes)
    return token, key

"""Every change of who may do what goes on the audit chain, whichever path made it.

Cross-cutting hooks (style.md): the admin site, commands, the shell and data loads all change
users through the ORM, so the record is written here rather than in each path.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit import events
from casework.accounts import languages
from casework.accounts.models import SEALED, SealedTOTPDevice, SealedTOTPKey

User = get_user_model()
WATCHED_FLAGS = ("is_superuser", "is_staff", "is_active")


@receiver(pre_save, sender=User, dispatch_uid="accounts-flags-before")
def remember_flags(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._flags_before = None
    if not instance.pk or (update_fields is not None and not set(update_fields) & {*WATCHED_FLAGS}):
        return  # a sign-in's last_login update, say: no flag can change
    instance._flags_before = sender.objects.filter(pk=instance.pk).values(*WATCHED_FLAGS).first()


@receiver(post_save, sender=User, dispatch_uid="accounts-flags-after")
def record_flags(sender, instance, created, raw=False, **kwargs):
    if created:
        flags = {flag: getattr(instance, flag) for flag in WATCHED_FLAGS}
        events.record(events.POWER_CHANGED, instance=instance, change="user_created", **flags)
        return
    before = getattr(instance, "_flags_before", None) or {}
    for flag in WATCHED_FLAGS:
        if flag in before and before[flag] != getattr(instance, flag):
            events.record(events.POWER_CHANGED, instance=instance, change=flag,
                          value=getattr(instance, flag))


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="accounts-groups")
def record_groups(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "pre_clear"}:
        return
    if reverse:  # group.user_set.add(...): one entry per user
        users = User.objects.filter(pk__in=pk_set or ())
        names = [instance.name]
    else:
        users = [instance]
        groups = instance.groups.all() if action == "pre_clear" else model.objects.filter(
            pk__in=pk_set or ())
        names = sorted(g.name for g in groups)
    if not names:
        return
    change = "group_added" if action == "post_add" else "group_removed"
    for user in users:
        events.record(events.POWER_CHANGED, instance=user, change=change, groups=names)


def seal_totp_key(sender, instance, raw=False, **kwargs):
    """Move a new (or replaced) TOTP secret out of django-otp's clear column into SealedTOTPKey."""
    if raw or instance.key == SEALED:
        return
    SealedTOTPKey.objects.update_or_create(device_id=instance.pk, defaults={"key": instance.key})
    # update(): the row is already written; saving again would only call this once more.
    TOTPDevice.objects.filter(pk=instance.pk).update(key=SEALED)
    instance.key = SEALED


for _sender in (TOTPDevice, SealedTOTPDevice):  # a proxy's saves carry its own sender
    post_save.connect(seal_totp_key, sender=_sender, dispatch_uid=f"seal-totp-{_sender.__name__}")


@receiver(user_logged_in, dispatch_uid="accounts-language")
def apply_preferred_language(sender, request, user, **kwargs):
    """Every way of signing in (password, single sign-on) brings the user's chosen language."""
    if request is not None and hasattr(request, "session"):
        languages.remember_in_session(request, user)

"""Print a demo account's current second-factor code, for the quick start and training."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from casework.accounts import mfa
from casework.management.commands.load_demo import USERS


class Command(BaseCommand):
    help = "Print the authenticator code a demo account accepts now (demo accounts only)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if settings.PRODUCTION:
            raise CommandError("demo_code is for demo installations; it refuses in production.")
        user = get_user_model().objects.filter(username=username).first()
        device = mfa.demo_authenticator(user) if user is not None else None
        if username not in dict(USERS) or device is None:
            raise CommandError(f"{username!r} is not a demo account (see manage.py load_demo).")
        code, wait = mfa.next_code(device)
        if wait:
            self.stderr.write(f"The current code was used already; this one works in {wait} s.")
        self.stdout.write(code)

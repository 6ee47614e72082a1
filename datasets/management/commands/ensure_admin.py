"""Create the first admin account once, with a generated password, and say how to log in."""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create a superuser with a random password if it does not exist; print the login. "
        "An existing account is never changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="admin@localhost")

    def credentials_file(self) -> Path:
        return Path(settings.VAR_DIR) / "admin-credentials"

    def handle(self, *args, username, email, **options):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        saved = self.credentials_file()
        if user is None:
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(username=username, email=email, password=password)
            saved.parent.mkdir(parents=True, exist_ok=True)
            saved.touch(mode=0o600)
            saved.write_text(f"{username}\n{password}\n")
            os.chmod(saved, 0o600)
            self.stdout.write(f"admin account created: login {username!r}, password {password!r}")
            return
        known = saved.read_text().split("\n") if saved.exists() else []
        if len(known) >= 2 and known[0] == username and user.check_password(known[1]):
            self.stdout.write(f"admin login: {username!r}, password {known[1]!r} (kept in {saved})")
        else:
            self.stdout.write(
                f"admin account {username!r} exists with a password set since; "
                f"change it with: manage.py changepassword {username}"
            )

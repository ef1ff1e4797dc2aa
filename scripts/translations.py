"""Bring locale/*/LC_MESSAGES/*.po up to date with the code (`make translations`)."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from config.i18n import MAKEMESSAGES, makemessages_options  # noqa: E402

for domain in MAKEMESSAGES:
    call_command("makemessages", **makemessages_options(domain))
print(
    "Updated the catalogues in locale/: translate the new entries, then `make messages`."
)

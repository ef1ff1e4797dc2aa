from django.conf import settings
from django.core.management.base import BaseCommand

from faceauth.services import biometrics_purge


class Command(BaseCommand):
    help = (
        "Delete face templates unused for FACEAUTH_RETENTION_DAYS; the consent "
        "records stay, without biometrics. Celery beat runs this daily."
    )

    def handle(self, *args, **options):
        deleted = biometrics_purge()
        self.stdout.write(
            f"Deleted {deleted} face templates unused for "
            f"{settings.FACEAUTH_RETENTION_DAYS} days."
        )

from django.core.management.base import BaseCommand, CommandError

from faceauth.exceptions import FaceAuthError
from faceauth.services import templates_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt every face template under the first key of FACEAUTH_KEYS. "
        "Put the new key first, run this, then drop the old key."
    )

    def handle(self, *args, **options):
        try:
            count = templates_reencrypt()
        except FaceAuthError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-encrypted {count} face templates under the newest key."
            )
        )

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from faceauth.exceptions import FaceAuthError
from faceauth.models import FaceTemplate
from faceauth.services import ENROL_MAX_IMAGES, consent_give, face_enroll


class Command(BaseCommand):
    help = (
        "Enrol a user's face from 1 to 5 photos, replacing any earlier enrolment. "
        "Records consent on the user's behalf: run it only for a user who agreed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("images", nargs="+", metavar="IMAGE")

    def handle(self, *args, username, images, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user called {username!r}.") from None
        if len(images) > ENROL_MAX_IMAGES:
            raise CommandError(f"Give at most {ENROL_MAX_IMAGES} images.")
        contents = []
        for name in images:
            try:
                contents.append(Path(name).read_bytes())
            except OSError as error:
                raise CommandError(f"Cannot read {name}: {error.strerror}") from None
        consent_give(user=user)
        try:
            templates = face_enroll(
                user=user, images=contents, source=FaceTemplate.Source.COMMAND
            )
        except FaceAuthError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Enrolled {username}: {len(templates)} face templates stored "
                "(encrypted; the images were not kept)."
            )
        )

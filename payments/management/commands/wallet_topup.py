from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from payments.exceptions import PaymentError
from payments.services import wallet_for_user, wallet_topup


class Command(BaseCommand):
    help = "Credit a shopper's wallet; the top-up is recorded in the ledger."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--amount", required=True, help="e.g. 100 or 99.50")
        parser.add_argument("--memo", default="Top-up by operator")

    def handle(self, *args, username, amount, memo, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user called {username!r}.") from None
        try:
            wallet_topup(user=user, amount=amount, memo=memo)
        except PaymentError as exc:
            raise CommandError(str(exc)) from None
        balance = wallet_for_user(user=user).balance
        self.stdout.write(
            self.style.SUCCESS(
                f"Credited {amount} to {username}; balance now {balance}."
            )
        )

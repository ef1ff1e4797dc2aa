"""The management commands: the demo seed and the operator's wallet top-up."""

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from payments.models import LedgerEntry, Transfer, Wallet
from payments.services import wallet_for_user
from shop.demo.catalogue import DEMO_USERS
from shop.models import Category, Merchant, Product

pytestmark = pytest.mark.django_db

User = get_user_model()


def _seed():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            User,
            Merchant,
            Category,
            Product,
            Wallet,
            Transfer,
            LedgerEntry,
        )
    }


def _balances():
    return dict(Wallet.objects.values_list("pk", "balance"))


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def seeded(media_root):
    return _seed()


# seed_demo ---------------------------------------------------------------------------


def test_seed_demo_creates_merchants_and_a_category_tree(seeded):
    assert Merchant.objects.count() >= 4
    assert Category.objects.count() >= 6
    children = Category.objects.exclude(parent=None)
    assert children.count() >= 4
    assert Category.objects.filter(parent=None).count() >= 2
    # Every merchant sells something and has a wallet to be paid into.
    for merchant in Merchant.objects.all():
        assert merchant.products.exists()
        assert Wallet.objects.filter(merchant=merchant).exists()


def test_seed_demo_creates_sixty_products_with_real_images(seeded, media_root):
    products = Product.objects.all()
    assert products.count() >= 60
    assert products.filter(active=True).count() >= 60
    assert products.filter(stock__gt=0).exists()
    assert products.filter(stock=0).exists()  # a sold-out product to show off
    assert products.values("merchant").distinct().count() >= 4
    for product in products:
        assert product.price > 0
        assert product.image, product.slug
        path = Path(product.image.path)
        assert path.is_file(), path
        assert media_root in path.parents
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            assert image.format == "JPEG"
            assert image.size[0] >= 200


def test_seed_demo_creates_the_demo_accounts(seeded):
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(DEMO_USERS["admin"]["password"])

    shopper = User.objects.get(username="shopper")
    assert not shopper.is_staff
    # Confirmed already: every demo account can sign in at once.
    assert all(
        User.objects.filter(username__in=DEMO_USERS).values_list("is_active", flat=True)
    )
    assert shopper.check_password(DEMO_USERS["shopper"]["password"])
    assert wallet_for_user(user=shopper).balance == Decimal(
        DEMO_USERS["shopper"]["funds"]
    )
    funds = Transfer.objects.filter(
        kind=Transfer.Kind.TOPUP, entries__wallet__user=shopper
    )
    assert funds.count() == 1

    staff = User.objects.get(username="merchant")
    assert staff.check_password(DEMO_USERS["merchant"]["password"])
    assert not staff.is_superuser
    assert list(staff.merchants.values_list("slug", flat=True)) == [
        DEMO_USERS["merchant"]["merchant"]
    ]
    for username in DEMO_USERS:
        assert Wallet.objects.filter(user__username=username).exists()


def test_seed_demo_prints_the_demo_credentials(seeded):
    assert "Demo shop ready" in seeded
    accounts = seeded.split("Demo accounts (username / password):", 1)[1]
    rows = {line.split()[0]: line.split()[1:] for line in accounts.strip().splitlines()}
    assert {username: row[0] for username, row in rows.items()} == {
        username: spec["password"] for username, spec in DEMO_USERS.items()
    }
    assert rows["admin"][1:] == ["admin"]
    assert rows["shopper"][1:] == ["shopper"]
    assert rows["merchant"][1:] == ["merchant", "staff"]


def test_seed_demo_twice_changes_no_counts_and_no_balances(seeded, media_root):
    counts, balances = _counts(), _balances()
    images = sorted(p.name for p in media_root.rglob("*") if p.is_file())

    second = _seed()

    assert _counts() == counts
    assert _balances() == balances
    assert sorted(p.name for p in media_root.rglob("*") if p.is_file()) == images
    assert "(0 new)" in second


def test_seed_demo_keeps_a_demo_users_changed_password(seeded):
    admin = User.objects.get(username="admin")
    admin.set_password("changed-by-the-owner")
    admin.save()

    _seed()

    admin.refresh_from_db()
    assert admin.check_password("changed-by-the-owner")


# wallet_topup ------------------------------------------------------------------------


def _topup(**options):
    out = StringIO()
    call_command("wallet_topup", stdout=out, **options)
    return out.getvalue()


def test_wallet_topup_credits_the_wallet_and_records_a_transfer(shopper):
    out = _topup(username="ada", amount="150.50")

    wallet = wallet_for_user(user=shopper)
    assert wallet.balance == Decimal("150.50")
    transfer = Transfer.objects.get()
    assert transfer.kind == Transfer.Kind.TOPUP
    assert transfer.memo == "Top-up by operator"
    entries = {e.wallet.kind: e.amount for e in transfer.entries.all()}
    assert entries == {
        Wallet.Kind.SHOPPER: Decimal("150.50"),
        Wallet.Kind.SYSTEM: Decimal("-150.50"),
    }
    assert transfer.entries.get(wallet=wallet).balance_after == Decimal("150.50")
    assert "Credited 150.50 to ada; balance now 150.50." in out


def test_wallet_topup_adds_to_the_balance_with_a_memo(shopper):
    _topup(username="ada", amount="100")
    _topup(username="ada", amount="0.01", memo="Goodwill")

    assert wallet_for_user(user=shopper).balance == Decimal("100.01")
    assert Transfer.objects.filter(memo="Goodwill").count() == 1
    assert LedgerEntry.objects.filter(wallet__user=shopper).count() == 2


def test_wallet_topup_accepts_positional_style_options(shopper):
    call_command(
        "wallet_topup", "--username", "ada", "--amount", "20", stdout=StringIO()
    )

    assert wallet_for_user(user=shopper).balance == Decimal("20.00")


def test_wallet_topup_for_an_unknown_user_fails_and_changes_nothing(shopper):
    counts = _counts()

    with pytest.raises(CommandError, match="No user called 'nobody'"):
        _topup(username="nobody", amount="10")

    assert _counts() == counts


@pytest.mark.parametrize(
    "amount",
    [
        "0",
        "0.00",
        "-5",
        "abc",
        "",
        "1.001",
        "0.001",
        "NaN",
        "-Infinity",
        "Infinity",
        "1e30",
        "1e-30",
        "1000000.01",
        "10" * 30,
        "1" * 5000,
    ],
)
def test_wallet_topup_with_a_bad_amount_fails_and_changes_nothing(shopper, amount):
    counts, balances = _counts(), _balances()

    with pytest.raises(CommandError):
        _topup(username="ada", amount=amount)

    assert _counts() == counts
    assert _balances() == balances
    assert wallet_for_user(user=shopper).balance == 0


def test_wallet_topup_requires_username_and_amount(shopper):
    with pytest.raises(CommandError):
        call_command("wallet_topup", "--username", "ada", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("wallet_topup", "--amount", "10", stdout=StringIO())

    assert not Transfer.objects.exists()

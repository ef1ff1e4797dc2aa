import random
import zlib
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.text import slugify

from payments.services import wallet_for_user, wallet_topup
from shop.demo.catalogue import CATEGORIES, DEMO_USERS, MERCHANTS
from shop.demo.images import draw_product
from shop.models import Category, Merchant, Product


class Command(BaseCommand):
    help = "Create the demo marketplace and accounts; running it again changes nothing."

    def handle(self, *args, **options):
        with transaction.atomic():
            merchants = self._merchants()
            created = self._catalogue(merchants)
            self._users(merchants)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo shop ready: {Merchant.objects.count()} merchants, "
                f"{Category.objects.count()} categories, {Product.objects.count()} products "
                f"({created} new)."
            )
        )
        self.stdout.write("Demo accounts (username / password):")
        for username, spec in DEMO_USERS.items():
            role = (
                "admin"
                if spec.get("superuser")
                else "merchant staff"
                if spec.get("merchant")
                else "shopper"
            )
            self.stdout.write(f"  {username:<10} {spec['password']:<20} {role}")

    def _merchants(self):
        merchants = {}
        for slug, name, description in MERCHANTS:
            merchants[slug], _ = Merchant.objects.get_or_create(
                slug=slug, defaults={"name": name, "description": description}
            )
        return merchants

    def _catalogue(self, merchants):
        rnd = random.Random(2026)
        created = 0
        for root_slug, root_name, children in CATEGORIES:
            root, _ = Category.objects.get_or_create(
                slug=root_slug, defaults={"name": root_name}
            )
            for slug, name, merchant_slug, shape, colour, titles in children:
                category, _ = Category.objects.get_or_create(
                    slug=slug, defaults={"name": name, "parent": root}
                )
                for title in titles:
                    price = Decimal(
                        rnd.choice([9, 19, 29, 49, 79, 99, 149, 299, 599, 1299])
                    ) - Decimal("0.01")
                    stock = rnd.choice([0, 3, 8, 15, 25, 40, 100])
                    product_slug = slugify(title)
                    if Product.objects.filter(slug=product_slug).exists():
                        continue
                    product = Product(
                        merchant=merchants[merchant_slug],
                        category=category,
                        title=title,
                        slug=product_slug,
                        description=(
                            f"{title} from {merchants[merchant_slug].name}.\n\n"
                            f"Part of our {name.lower()} range. Ships within two days; "
                            "returns accepted for 30 days."
                        ),
                        price=price,
                        stock=stock,
                    )
                    image = draw_product(
                        title=title,
                        colour=colour,
                        shape=shape,
                        seed=zlib.crc32(product_slug.encode()),
                    )
                    product.image.save(
                        f"{product_slug}.jpg", ContentFile(image), save=False
                    )
                    product.save()
                    created += 1
        return created

    def _users(self, merchants):
        User = get_user_model()
        created = {}
        for username, spec in DEMO_USERS.items():
            user, created[username] = User.objects.get_or_create(
                username=username, defaults={"email": spec["email"]}
            )
            if created[username]:
                user.set_password(spec["password"])
                user.is_staff = user.is_superuser = bool(spec.get("superuser"))
                user.save()
            if spec.get("merchant"):
                merchants[spec["merchant"]].staff.add(user)
            if spec.get("funds") and created[username]:
                wallet_topup(user=user, amount=spec["funds"], memo="Demo funds")
            wallet_for_user(user=user)
        return created

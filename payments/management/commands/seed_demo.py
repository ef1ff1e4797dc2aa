import zlib

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction

from payments.services import wallet_for_user, wallet_topup
from shop.demo.catalogue import CATEGORIES, DEMO_USERS, MERCHANTS
from shop.demo.images import draw_product
from shop.models import Category, Merchant, Product
from shop.pictures import picture_prepare
from shop.services import product_create, product_picture_set


class Command(BaseCommand):
    help = "Create the demo marketplace and accounts; running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--refresh",
            action="store_true",
            help=(
                "Also bring the demo products already in the database up to date "
                "with shop/demo/catalogue.py: title, description, price and picture "
                "(stock, accounts and wallets are left alone)."
            ),
        )

    def handle(self, *args, **options):
        with transaction.atomic():
            merchants = self._merchants()
            created, refreshed = self._catalogue(merchants, refresh=options["refresh"])
            self._users(merchants)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo shop ready: {Merchant.objects.count()} merchants, "
                f"{Category.objects.count()} categories, {Product.objects.count()} products "
                f"({created} new"
                + (f", {refreshed} refreshed" if options["refresh"] else "")
                + ")."
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

    def _catalogue(self, merchants, *, refresh):
        created = refreshed = 0
        for root_slug, root_name, categories in CATEGORIES:
            root, _ = Category.objects.get_or_create(
                slug=root_slug, defaults={"name": root_name}
            )
            for spec in categories:
                category, _ = Category.objects.get_or_create(
                    slug=spec.slug, defaults={"name": spec.name, "parent": root}
                )
                for item in spec.products:
                    product = Product.objects.filter(slug=item.slug).first()
                    if product is not None:
                        if refresh:
                            self._refresh(product, spec, item)
                            refreshed += 1
                        elif product.image and not product.image_card:
                            # Seeded before the shop kept each size of a picture.
                            self._resize(product)
                        continue
                    product_create(
                        merchant=merchants[spec.merchant],
                        category=category,
                        title=item.title,
                        description=item.description,
                        price=item.price,
                        stock=item.stock,
                        picture=self._picture(spec, item),
                        slug=item.slug,
                    )
                    created += 1
        return created, refreshed

    def _picture(self, spec, item):
        """The demo drawing, through the checks and sizes of any uploaded picture."""
        drawing = draw_product(
            title=item.title,
            colour=spec.colour,
            picture=item.picture,
            seed=zlib.crc32(item.slug.encode()),
        )
        return picture_prepare(ContentFile(drawing))

    def _resize(self, product):
        with product.image.open("rb") as stored:
            picture = picture_prepare(ContentFile(stored.read()))
        product_picture_set(product=product, picture=picture)

    def _refresh(self, product, spec, item):
        """Bring a demo product's words, price and picture up to date; its stock,
        merchant and category are the shop's now and stay as they are."""
        product.title = item.title
        product.description = item.description
        product.price = item.price
        product.save(update_fields=["title", "description", "price", "updated_at"])
        product_picture_set(product=product, picture=self._picture(spec, item))

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
                wallet_topup(user=user, amount=spec["funds"])
            wallet_for_user(user=user)
        return created

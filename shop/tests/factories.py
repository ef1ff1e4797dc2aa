from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from shop.models import Category, Merchant, Product, StockMovement
from shop.services import Shipping

PASSWORD = "correct-horse-battery"

SHIPPING = Shipping(
    full_name="Ada Lovelace",
    address="12 St James's Square",
    city="London",
    postcode="SW1Y 4JH",
    country="United Kingdom",
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    name = factory.Sequence(lambda n: f"Merchant {n}")
    slug = factory.Sequence(lambda n: f"merchant-{n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        skip_postgeneration_save = True

    merchant = factory.SubFactory(MerchantFactory)
    category = factory.SubFactory(CategoryFactory)
    title = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    price = Decimal("10.00")
    stock = 10
    active = True

    @factory.post_generation
    def opening_stock(obj, create, extracted, **kwargs):
        """As for a product added in the shop: its stock is its first movement."""
        if create and obj.stock > 0:
            StockMovement.objects.create(
                product=obj,
                delta=obj.stock,
                stock_after=obj.stock,
                reason=StockMovement.Reason.INITIAL,
            )

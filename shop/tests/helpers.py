"""Small helpers shared by the request-level tests of every app."""

from django.contrib.messages import get_messages


def messages_of(response):
    """Return the texts of the messages a response left for the user."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def post_followed(client, url, data=None):
    """Make a change the test builds on, reading its message so it does not linger."""
    response = client.post(url, data or {}, follow=True)
    assert response.status_code == 200
    return response


def stock_ledger_problems() -> list[str]:
    """Products whose stock is not the sum of their movements, or whose movements,
    in the order they were written, do not each leave the stock they record."""
    from django.db.models import Sum

    from shop.models import Product, StockMovement

    problems = []
    for product in Product.objects.annotate(moved=Sum("stock_movements__delta")):
        if product.stock != (product.moved or 0):
            problems.append(f"{product}: stock {product.stock}, moved {product.moved}")
    running = {}
    for movement in StockMovement.objects.order_by("pk"):
        after = running.get(movement.product_id, 0) + movement.delta
        if after != movement.stock_after:
            problems.append(
                f"movement {movement.pk}: {after} != {movement.stock_after}"
            )
        running[movement.product_id] = after
    return problems

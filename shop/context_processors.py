from .cart import CartSession
from .receivers import MERCHANT_STAFF_SESSION_KEY
from .selectors import category_roots


def shop(request):
    """Give every page the cart count and the category menu."""
    if not hasattr(request, "session"):
        return {}
    return {
        "cart_count": CartSession(request).count(),
        "nav_categories": category_roots,
        "is_merchant_staff": request.session.get(MERCHANT_STAFF_SESSION_KEY, False),
    }

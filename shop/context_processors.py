from .cart import CartSession
from .receivers import MERCHANT_STAFF_SESSION_KEY
from .selectors import nav_categories


def shop(request):
    """Give every page the cart count and the category menu."""
    if not hasattr(request, "session"):
        return {}
    return {
        "cart_count": CartSession(request).count(),
        # Called by the template, and only if it shows the menu; cached.
        "nav_categories": nav_categories,
        "is_merchant_staff": request.session.get(MERCHANT_STAFF_SESSION_KEY, False),
    }

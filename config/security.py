"""Content-Security-Policy and Permissions-Policy headers on every response.

Django 5.2 sets X-Frame-Options, Referrer-Policy, HSTS and nosniff itself, but has no
CSP (Django 6.0 adds one, configured with the same `SECURE_CSP` dict as here, so an
upgrade swaps this middleware for `django.middleware.csp.ContentSecurityPolicyMiddleware`).

Settings:
- `SECURE_CSP`: directive -> list of sources; empty or missing sends no CSP.
- `SECURE_CSP_VIEW_OVERRIDES`: URL name (e.g. "api:docs") -> directives that replace
  those of `SECURE_CSP` for that view only (third-party pages with inline code).
- `PERMISSIONS_POLICY`: feature -> list of allowlist entries ("self" or origins);
  an empty list disables the feature.
"""

from django.conf import settings
from django.core.exceptions import DisallowedHost

SELF = "'self'"


def csp_header(directives: dict[str, list[str]]) -> str:
    """The header value of a policy given as directive -> sources."""
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


def permissions_header(features: dict[str, list[str]]) -> str:
    """The Permissions-Policy value of features given as feature -> allowlist."""
    return ", ".join(
        f"{name}=({' '.join(allowed)})" for name, allowed in features.items()
    )


def _websocket_origin(request) -> str | None:
    """This site's own websocket origin (`wss://host`), for browsers whose 'self'
    does not cover ws: and wss: (Safari before 15.4)."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return f"{'wss' if request.is_secure() else 'ws'}://{host}"


class SecurityHeadersMiddleware:
    """Add the Content-Security-Policy and Permissions-Policy of the settings."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = dict(getattr(settings, "SECURE_CSP", {}) or {})
        self.overrides = getattr(settings, "SECURE_CSP_VIEW_OVERRIDES", {}) or {}
        features = getattr(settings, "PERMISSIONS_POLICY", {}) or {}
        self.permissions = permissions_header(features) if features else ""

    def __call__(self, request):
        response = self.get_response(request)
        if self.permissions and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.permissions
        if self.policy and "Content-Security-Policy" not in response:
            if settings.DEBUG and response.status_code >= 400:
                # Django's technical error pages are inline HTML, CSS and JS.
                return response
            response["Content-Security-Policy"] = csp_header(self.directives(request))
        return response

    def directives(self, request) -> dict[str, list[str]]:
        match = getattr(request, "resolver_match", None)
        policy = {**self.policy, **self.overrides.get(match and match.view_name, {})}
        connect = policy.get("connect-src")
        websocket = _websocket_origin(request)
        if connect is not None and SELF in connect and websocket:
            policy["connect-src"] = [*connect, websocket]
        return policy

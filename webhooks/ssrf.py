"""Where a webhook may go: https where required, and only to public addresses.

Checked when an endpoint is saved and again before every request, on the addresses
the name resolves to at that moment; the request then connects to the very address
that was checked, so a name that resolves differently a second later (DNS
rebinding) cannot point it elsewhere.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_noop

from .exceptions import UnsafeURL

# Cloud metadata services; link-local too, but named so the message says so.
METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
    ipaddress.ip_address("100.100.100.200"),
}


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP address to connect to


def _address_refusal(ip) -> str | None:
    """Why webhooks must not reach `ip` (a message with %(host)s and %(ip)s), or
    None if they may."""
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES:
        return gettext_noop(
            "Webhooks cannot be sent to %(host)s: %(ip)s is a cloud metadata address."
        )
    if ip.is_loopback:
        if settings.WEBHOOKS_ALLOW_LOOPBACK:
            return None
        return gettext_noop(
            "Webhooks cannot be sent to %(host)s: "
            "%(ip)s is a loopback address (this machine)."
        )
    if ip.is_link_local:
        return gettext_noop(
            "Webhooks cannot be sent to %(host)s: %(ip)s is a link-local address."
        )
    if ip.is_private:
        return gettext_noop(
            "Webhooks cannot be sent to %(host)s: %(ip)s is a private network address."
        )
    if not ip.is_global or ip.is_multicast:
        return gettext_noop(
            "Webhooks cannot be sent to %(host)s: "
            "%(ip)s is not a public internet address."
        )
    return None


def url_check(url: str) -> Target:
    """Resolve `url` and check it; raise UnsafeURL with a clear reason if refused."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    allowed = ("https",) if settings.WEBHOOKS_REQUIRE_HTTPS else ("https", "http")
    if scheme not in allowed:
        raise UnsafeURL(gettext_noop("The URL must start with https://."))
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise UnsafeURL(gettext_noop("The URL's port is not a number.")) from None
    if not host:
        raise UnsafeURL(gettext_noop("The URL has no host name."))
    if parts.username or parts.password:
        raise UnsafeURL(gettext_noop("The URL must not hold a user name or password."))
    port = port or (443 if scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeURL(
            gettext_noop("The host name %(host)s could not be resolved."), host=host
        ) from None
    addresses = []
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        refusal = _address_refusal(ip)
        if refusal:
            raise UnsafeURL(refusal, host=host, ip=str(ip))
        addresses.append(str(ip))
    if not addresses:
        raise UnsafeURL(
            gettext_noop("The host name %(host)s could not be resolved."), host=host
        )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme, host, port, path, addresses[0])

from django.utils.http import url_has_allowed_host_and_scheme


class NextUrlMixin:
    """Reads a `next` parameter that points back into this site, and only then."""

    def next_url(self) -> str | None:
        """The page the visitor was headed for, if it is one of ours."""
        url = self.request.POST.get("next") or self.request.GET.get("next", "")
        if url_has_allowed_host_and_scheme(
            url,
            allowed_hosts={self.request.get_host()},
            require_https=self.request.is_secure(),
        ):
            return url
        return None

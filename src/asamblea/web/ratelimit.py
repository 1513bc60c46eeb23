"""Rate limits (django-ratelimit) and the client's address they count by.

A limit counts requests per key (a client address, an API token) in fixed
windows kept in Django's cache (CACHE_URL). Past the limit a request is refused
with TooManyRequests (HTTP 429 with Retry-After) before its view runs: a refused
form writes nothing and keeps its one-time token, so it can be sent again later.

Join forms are limited per address by `limit_posts` on the view; the API is
limited per token, else per address, by `asamblea.api.ratelimit`.
"""

from __future__ import annotations

import functools
import ipaddress
import math
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage

from asamblea.errors import TooManyRequests

View = Callable[..., HttpResponse]


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind PROXY_COUNT trusted proxies the address
    the outermost of them saw (that many places from the right of X-Forwarded-For).

    The right end of X-Forwarded-For is what our own proxies wrote; anything to the
    left of it came from the client and proves nothing. django-axes uses this too.
    """
    remote: str = request.META.get("REMOTE_ADDR", "")
    count: int = settings.PROXY_COUNT
    if count <= 0:
        return remote
    forwarded: list[str] = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < count:
        # Did not come through every proxy (a direct connection): the connection is the client.
        return remote
    candidate = forwarded[-count]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return remote
    return candidate


def address_key(request: HttpRequest) -> str:
    """The key of a client address: an IPv6 client counts by its /64 (one home or phone
    gets a whole /64 and can pick any address in it)."""
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return "address:unknown"
    prefix = 64 if address.version == 6 else 32
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    return f"address:{network.network_address}"


def count_request(request: HttpRequest, *, group: str, rate: str, key: str) -> int | None:
    """Count this request against `key` in `group`; the seconds to wait if it is past
    `rate` ("10/h"), else None. An empty rate is no limit."""
    if not rate:
        return None
    usage: dict[str, Any] | None = get_usage(
        request, group=group, key=lambda _group, _request: key, rate=rate, increment=True
    )
    if usage is None or not usage["should_limit"]:
        return None
    # time_left counts whole seconds to the window's last one; the next starts after it.
    return max(1, int(usage["time_left"]) + 1)


def wait_in_minutes(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Try again in %(count)s minute.", "Try again in %(count)s minutes.", minutes
    ) % {"count": minutes}


def limit_posts(group: str, rate_setting: str) -> Callable[[View], View]:
    """Refuse the view's POSTs past the rate in `settings.<rate_setting>`, per client
    address, before the view runs (it reads the setting on every request)."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST":
                wait = count_request(
                    request,
                    group=group,
                    rate=getattr(settings, rate_setting),
                    key=address_key(request),
                )
                if wait is not None:
                    raise TooManyRequests(
                        _(
                            "Too many forms were sent from your connection in a short "
                            "time, so this one was not saved."
                        )
                        + " "
                        + wait_in_minutes(wait),
                        retry_after=wait,
                    )
            return view(request, *args, **kwargs)

        return limited

    return decorate

"""The client's address, as the trusted proxies in front of the app servers saw it.

Behind a load balancer every request comes from the balancer's address, so ``REMOTE_ADDR`` alone
would make every user look alike (one address to throttle, one address in the access log). Each
trusted proxy appends the address it received the request from to ``X-Forwarded-For``; with N
trusted proxies, the client is the N-th entry from the right. Entries further left were written
by the client itself and are never trusted. ``TRUSTED_PROXY_COUNT`` is 0 when the app is reached
directly (the demo): then ``REMOTE_ADDR`` is the client.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    address = address.strip()
    if address.startswith("[") and "]" in address:  # "[::1]:443"
        address = address[1 : address.index("]")]
    elif address.count(":") == 1:  # "10.0.0.1:443"
        address = address.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address, or None when it cannot be told (a malformed header)."""
    remote = _valid(request.META.get("REMOTE_ADDR", "") or "")
    proxies: int = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    header = "HTTP_" + settings.TRUSTED_PROXY_HEADER.upper().replace("-", "_")
    hops = [hop for hop in request.META.get(header, "").split(",") if hop.strip()]
    if not hops:
        # Not through the proxies (a health check from inside the network): the peer itself.
        return remote
    # Fewer hops than proxies means the chain is shorter than configured: take the leftmost
    # entry a proxy could have written rather than the balancer's own address.
    return _valid(hops[-proxies] if len(hops) >= proxies else hops[0])

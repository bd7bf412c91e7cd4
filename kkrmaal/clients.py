"""Who a request comes from: the one rule every count per client uses.

django-axes' login lockout (AXES_CLIENT_IP_CALLABLE), the reset-mail throttle
(kkrmaal/accounts.py) and every limit of the API (the throttles in kkrmaal/api/common.py,
whose `get_ident` returns this) count by `client_address(request)`, so a client is one client
to all of them: behind the proxy the same address, an IPv6 network one count. (DRF's own
`get_ident`, with its NUM_PROXIES setting, knows no /64 rule, and the settings no longer set it.)
"""

import ipaddress

from django.conf import settings


def client_address(request):
    """The client's address; behind a TLS-terminating proxy (BEHIND_PROXY) the address the
    proxy appended last to X-Forwarded-For, the one a client cannot forge. An IPv6 client
    counts as its /64 network: it may pick any address in it, each a fresh count.

    `request` is Django's or DRF's (which hands META on)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.BEHIND_PROXY and forwarded:
        address = forwarded.split(",")[-1].strip()
    else:
        address = request.META.get("REMOTE_ADDR") or ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or None
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:  # ::ffff:203.0.113.9 is 203.0.113.9
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)

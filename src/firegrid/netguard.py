"""Outbound-request guard against SSRF: user-supplied URLs may not reach private or loopback addresses.

Camera streams, PTZ calls, robot webhooks and Web Push endpoints are URLs that somebody typed. Unless an
operator lists a range in ``FIREGRID_ALLOWED_NETWORKS`` (camera LANs are private, e.g.
``["10.20.0.0/16"]``), a URL whose host resolves to a loopback, private, link-local (cloud metadata!),
multicast, reserved or unspecified address is refused with a clear error. Names are resolved at registration
and again just before each request, so a DNS answer that changes later is caught too (a name that does not
resolve passes: the connection cannot be made either). The check and the connection resolve separately, so a
resolver that answers differently within milliseconds (DNS rebinding) is not covered; pin such hosts by IP.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx

from firegrid.errors import InputError

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
WEB_SCHEMES = ("http", "https")
CAMERA_SCHEMES = ("rtsp", "rtsps", "http", "https")


class OutboundGuard:
    """Checks URLs against the allowed private ranges."""

    def __init__(self, allowed: Iterable[str | Network] = ()) -> None:
        try:
            self.allowed: list[Network] = [ipaddress.ip_network(n, strict=False) for n in allowed]
        except ValueError as exc:
            raise InputError(f"FIREGRID_ALLOWED_NETWORKS: {exc}") from exc

    def permits(self, address: Address) -> bool:
        """Public addresses always; others only inside an allowed range."""
        if any(address in net for net in self.allowed):
            return True
        return address.is_global and not address.is_multicast

    def check_url(self, url: str, what: str, schemes: Sequence[str] = WEB_SCHEMES) -> None:
        """``InputError`` naming ``what`` unless the scheme is allowed and the host resolves to permitted
        addresses only."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in schemes:
            raise InputError(
                f"{what}: scheme {parts.scheme or '(none)'!r} not allowed ({', '.join(schemes)})"
            )
        host = parts.hostname
        if not host:
            raise InputError(f"{what}: no host in the URL")
        for address in resolve(host, what):
            if not self.permits(address):
                raise InputError(
                    f"{what}: host {host} resolves to {address}, a non-public address; list its range in "
                    "FIREGRID_ALLOWED_NETWORKS to allow it"
                )

    def hook(self, request: httpx.Request) -> None:
        """An httpx request hook: every outbound request is checked just before it is sent."""
        self.check_url(str(request.url), f"outbound request to {request.url.host}")

    def client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client that checks every request (redirect targets included)."""
        return httpx.Client(event_hooks={"request": [self.hook]}, **kwargs)


def resolve(host: str, what: str) -> list[Address]:
    """Every address the host name resolves to (an IP literal resolves to itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        # Nothing to connect to either: the request itself fails the same way. Checked again before sending.
        log.info(
            "%s: host %s does not resolve now (%s); it is checked again before each request", what, host, exc
        )
        return []
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]

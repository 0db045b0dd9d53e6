"""Which address a request comes from, and whether it came over TLS, behind trusted proxies.

Rate limits and sign-in throttling count per client address. Behind a reverse proxy the peer is
the proxy, so every client would share one counter; the proxy passes the real address in
``X-Forwarded-For``. Anyone can send that header, so it counts only when the peer is one of the
configured trusted proxies (``REGISTRY_TRUSTED_PROXIES``, addresses or CIDRs; empty by default:
the header is then never read). Each proxy appends the address it received the request from, so
the header is read from the right: trusted hops are skipped and the first address that is not a
trusted proxy is the client (what a client wrote further left is its own claim and ignored).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
UNKNOWN = "unknown"


def _parse(text: str) -> IPAddress | None:
    """An address as proxies write it: ``1.2.3.4``, ``2001:db8::1``, ``[2001:db8::1]:443``,
    ``1.2.3.4:5678``; ``None`` for anything else (``unknown``, garbage)."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped  # a dual-stack socket's view of an IPv4 peer
    return ip


class TrustedProxies:
    def __init__(self, entries: Iterable[str] = ()) -> None:
        networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError as exc:
                raise ValueError(f"REGISTRY_TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR network") from exc
        self.networks = tuple(networks)
        self._peers: dict[str, bool] = {}

    def __bool__(self) -> bool:
        return bool(self.networks)

    def trusts(self, ip: IPAddress | None) -> bool:
        return ip is not None and any(ip in network for network in self.networks)

    def trusts_peer(self, peer: str | None) -> bool:
        """``trusts`` for a peer as the server gives it, remembered: the peers of a deployment
        behind proxies are a handful of addresses, asked on every request."""
        if not peer or not self.networks:
            return False
        known = self._peers.get(peer)
        if known is None:
            if len(self._peers) > 4096:  # bound it when peers are many (no proxy in front after all)
                self._peers.clear()
            known = self._peers[peer] = self.trusts(_parse(peer))
        return known

    def client(self, peer: str | None, forwarded_for: Sequence[str]) -> str:
        """The client address: the peer, or, when the peer is a trusted proxy, the right-most
        address in ``X-Forwarded-For`` that is not a trusted proxy."""
        if not peer:
            return UNKNOWN
        if not forwarded_for or not self.trusts_peer(peer):
            return peer
        address: IPAddress | str = peer
        hops = [hop for value in forwarded_for for hop in value.split(",")]
        for hop in reversed(hops):
            ip = _parse(hop)
            if ip is None:  # a trusted proxy wrote no address: the last hop known is the client
                break
            address = ip
            if not self.trusts(ip):
                break
        return str(address)


@functools.lru_cache(maxsize=8)
def trusted_proxies(entries: tuple[str, ...]) -> TrustedProxies:
    """Parsed once per configuration (settings are frozen: the tuple is the key)."""
    return TrustedProxies(entries)


def _header(scope: Mapping[str, Any], name: bytes) -> list[str]:
    return [value.decode("latin-1") for key, value in scope["headers"] if key == name]


def client_address(scope: Mapping[str, Any], proxies: TrustedProxies) -> str:
    """The one rule for "which address is this request from" (an ASGI scope, e.g. ``request.scope``),
    used by the sign-in throttle and every public rate limit."""
    client = scope.get("client")
    peer = str(client[0]) if client else None
    if not proxies:
        return peer or UNKNOWN
    return proxies.client(peer, _header(scope, b"x-forwarded-for"))


def came_over_tls(scope: Mapping[str, Any], proxies: TrustedProxies) -> bool:
    """Whether the client's connection was TLS: our own scheme, or the right-most
    ``X-Forwarded-Proto`` value, when a trusted proxy sent it. (On every answer: kept cheap.)"""
    if scope.get("scheme") in ("https", "wss"):
        return True
    if not proxies.networks:
        return False
    proto = None
    for key, value in scope["headers"]:
        if key == b"x-forwarded-proto":
            proto = value
    if proto is None:
        return False
    client = scope.get("client")
    return proto.rsplit(b",", 1)[-1].strip().lower() == b"https" and proxies.trusts_peer(
        str(client[0]) if client else None
    )

"""Where webhooks may go (SSRF protection): the URL rules and the address rules, without I/O.

A destination must be HTTPS (unless the operator allows HTTP), carry no credentials, and resolve
only to globally routable unicast addresses: private, loopback, link-local (which includes cloud
metadata at 169.254.169.254), shared (CGNAT), multicast, reserved and unspecified addresses are
refused, also when hidden inside IPv6 (IPv4-mapped, 6to4, NAT64, Teredo). An operator allowlist of
CIDRs or host names lifts the address rules for what it names. A host name with several addresses
is refused if any of them is, so a DNS answer cannot smuggle in an internal address.

`pinned_transport` applies the address rules to what it connects to, at connection time.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# A DNS name of letters, digits and hyphens (not all-numeric: that would be a mistyped address).
_HOST_NAME = re.compile(r"^(?=.*[a-zA-Z])[a-zA-Z0-9-]{1,63}(\.[a-zA-Z0-9-]{1,63})*\.?$")
MAX_URL_LENGTH = 2048


class DestinationRefused(Exception):
    """The URL or the address it resolves to is not an allowed webhook destination."""


@dataclass(frozen=True)
class DestinationPolicy:
    allow_http: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_allowlist(cls, entries: Iterable[str], *, allow_http: bool = False) -> DestinationPolicy:
        """Entries are CIDRs or single addresses (`10.0.0.0/8`, `127.0.0.1`) or host names."""
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        for entry in entries:
            entry = entry.strip()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                if not _HOST_NAME.match(entry):
                    raise ValueError(f"allowlist entry {entry!r} is neither a CIDR nor a host name") from None
                hosts.add(entry.lower().rstrip("."))
        return cls(allow_http=allow_http, allowed_networks=tuple(networks), allowed_hosts=frozenset(hosts))


@dataclass(frozen=True, slots=True)
class Destination:
    scheme: str
    host: str  # lowercase, without brackets
    port: int


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    embedded: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped is not None:
        embedded.append(address.ipv4_mapped)
    if address.sixtofour is not None:
        embedded.append(address.sixtofour)
    if address.teredo is not None:
        embedded.extend(address.teredo)
    if address in _NAT64:
        embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return embedded


def _public(address: IPAddress) -> bool:
    if not address.is_global or address.is_multicast:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        return all(_public(inner) for inner in _embedded_ipv4(address))
    return True


def address_refusal(address: IPAddress, policy: DestinationPolicy) -> str | None:
    """Why `address` may not be connected to, or None if it may."""
    if any(address in network for network in policy.allowed_networks if network.version == address.version):
        return None
    if _public(address):
        return None
    return f"{address} is not a public address (private, loopback, link-local, metadata or reserved)"


def check_addresses(host: str, addresses: Sequence[IPAddress], policy: DestinationPolicy) -> None:
    """Raise unless every address `host` resolved to is allowed (or the host is allowlisted)."""
    if not addresses:
        raise DestinationRefused(f"{host} resolves to no address")
    if host.lower().rstrip(".") in policy.allowed_hosts:
        return
    for address in addresses:
        reason = address_refusal(address, policy)
        if reason is not None:
            raise DestinationRefused(f"{host} is refused: {reason}")


def literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check_url(url: str, policy: DestinationPolicy) -> Destination:
    """The destination of a webhook URL; raises `DestinationRefused` with the reason if not allowed.

    An address written literally in the URL is checked here; a host name is checked when it is
    resolved (see `check_addresses`).
    """
    if len(url) > MAX_URL_LENGTH:
        raise DestinationRefused(f"the URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise DestinationRefused(f"not a valid URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise DestinationRefused("the URL must be https://")
    if scheme == "http" and not policy.allow_http:
        raise DestinationRefused("the URL must be https:// (plain HTTP is not allowed)")
    if parts.username is not None or parts.password is not None:
        raise DestinationRefused("the URL must not contain credentials")
    if parts.fragment:
        raise DestinationRefused("the URL must not contain a fragment")
    host = (parts.hostname or "").lower()
    if not host:
        raise DestinationRefused("the URL has no host")
    address = literal_address(host)
    if address is not None:
        check_addresses(host, [address], policy)
    return Destination(scheme=scheme, host=host, port=port or (443 if scheme == "https" else 80))

"""Where outbound requests may go (SSRF protection): the URL rules and the address rules, no I/O.

Every URL the platform calls on someone's behalf (webhook endpoints, chat integrations) passes
these rules, the same for all. A destination must be HTTPS (unless the operator allows HTTP),
carry no credentials, have a well-formed host name, and resolve only to globally reachable unicast
addresses. An address is judged by everything it can reach: itself and, for the IPv6 ranges that
carry or translate IPv4 (IPv4-compatible, IPv4-mapped, IPv4-translated, NAT64, 6to4, Teredo), the
IPv4 addresses inside it. Those ranges, and every range the IANA special-purpose registries mark as
not globally reachable (private, loopback, link-local with cloud metadata at 169.254.169.254,
shared CGNAT, documentation, benchmarking, unique-local, discard, SRv6 ...), are refused. An
operator allowlist of CIDRs or host names lifts the rules for what it names; an allowlisted IPv6
range that translates IPv4 (say 64:ff9b::/96 on an IPv6-only network with DNS64) still reaches
only the IPv4 addresses the rules allow. A host name with several addresses is refused if any of
them is, so a DNS answer cannot smuggle in an internal address.

`pinned_transport` applies the address rules to what it connects to, at connection time.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import idna

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# A DNS name of letters, digits and hyphens (not all-numeric: that would be a mistyped address).
_HOST_NAME = re.compile(r"^(?=.*[a-zA-Z])[a-zA-Z0-9-]{1,63}(\.[a-zA-Z0-9-]{1,63})*\.?$")
# One label of a host name in its ASCII form (underscores occur in real names, e.g. `_svc`).
_ASCII_LABEL = re.compile(r"^[a-z0-9_-]{1,63}$")
MAX_HOST_NAME_LENGTH = 253
MAX_URL_LENGTH = 2048


def _networks(*cidrs: str) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(cidr) for cidr in cidrs)


# IANA IPv4 Special-Purpose Address Registry, the entries not globally reachable (and multicast).
_IPV4_NOT_GLOBAL = _networks(
    "0.0.0.0/8",  # "this network"
    "10.0.0.0/8",  # private
    "100.64.0.0/10",  # shared address space (CGNAT)
    "127.0.0.0/8",  # loopback
    "169.254.0.0/16",  # link-local, cloud metadata
    "172.16.0.0/12",  # private
    "192.0.0.0/24",  # IETF protocol assignments
    "192.0.2.0/24",  # documentation
    "192.88.99.0/24",  # 6to4 relay anycast (deprecated)
    "192.168.0.0/16",  # private
    "198.18.0.0/15",  # benchmarking
    "198.51.100.0/24",  # documentation
    "203.0.113.0/24",  # documentation
    "224.0.0.0/4",  # multicast
    "240.0.0.0/4",  # reserved, and the limited broadcast 255.255.255.255
)

# Only 2000::/3 is global unicast; everything outside it (::/8 with the loopback, the unspecified
# address and the IPv4-compatible, -mapped and -translated forms, 100::/64 discard, 5f00::/16 SRv6,
# fc00::/7 unique-local, fe80::/10 link-local, fec0::/10 site-local, ff00::/8 multicast) is not.
_IPV6_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
# IANA IPv6 Special-Purpose Address Registry: what it marks not globally reachable inside 2000::/3
# (its few anycast services inside 2001::/23, AMT, AS112, ORCHIDv2, are no webhook receivers either).
_IPV6_NOT_GLOBAL = _networks(
    "2001::/23",  # IETF protocol assignments, with Teredo 2001::/32 and benchmarking 2001:2::/48
    "2001:db8::/32",  # documentation
    "2002::/16",  # 6to4
    "3fff::/20",  # documentation
)
# IPv6 ranges that carry or translate an IPv4 address (the IPv4 is where a packet ends up).
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated, RFC 4291
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # SIIT, RFC 2765
_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052
_NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215, prefix length up to the operator
_TRANSLATORS = (_IPV4_COMPATIBLE, _IPV4_TRANSLATED, _NAT64_WELL_KNOWN, _NAT64_LOCAL_USE)


class DestinationRefused(Exception):
    """The URL or the address it resolves to is not an allowed outbound destination."""


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


def _rfc6052_ipv4(address: ipaddress.IPv6Address, prefix_length: int) -> ipaddress.IPv4Address:
    """The IPv4 address embedded after a translation prefix of `prefix_length` bits (RFC 6052 2.2):
    bits 64 to 71 are always zero, so the IPv4 bits skip them."""
    bits = format(int(address), "0128b")
    skipped = bits[:64] + bits[72:]
    return ipaddress.IPv4Address(int(skipped[prefix_length : prefix_length + 32], 2))


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Every IPv4 address `address` can carry or be translated to (empty for a plain IPv6 address).

    A local-use NAT64 prefix (64:ff9b:1::/48) can be any length from /48 to /96 in the operator's
    network, so the IPv4 address at each of those positions counts.
    """
    embedded: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped is not None:
        embedded.append(address.ipv4_mapped)
    if address.sixtofour is not None:
        embedded.append(address.sixtofour)
    if address.teredo is not None:
        embedded.extend(address.teredo)
    if address in _NAT64_LOCAL_USE:
        embedded.extend(_rfc6052_ipv4(address, length) for length in (48, 56, 64, 96))
    elif int(address) > 1 and any(address in translator for translator in _TRANSLATORS):  # not :: or ::1
        embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return list(dict.fromkeys(embedded))


def is_globally_reachable(address: IPAddress) -> bool:
    """Whether `address` itself is a globally reachable unicast address.

    Python's `is_global`, and the IANA registries on top of it (older Pythons miss recent entries);
    every IPv6 range that carries or translates IPv4 counts as not global.
    """
    if not address.is_global or address.is_multicast:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return not any(address in network for network in _IPV4_NOT_GLOBAL)
    if address not in _IPV6_GLOBAL_UNICAST or embedded_ipv4(address):
        return False
    return not any(address in network for network in _IPV6_NOT_GLOBAL)


def _allowlisted(address: IPAddress, policy: DestinationPolicy) -> bool:
    return any(
        address in network for network in policy.allowed_networks if network.version == address.version
    )


def address_refusal(address: IPAddress, policy: DestinationPolicy) -> str | None:
    """Why `address` may not be connected to, or None if it may.

    It may if it is allowlisted or globally reachable, and so is every IPv4 address it carries or
    translates to.
    """
    if not (_allowlisted(address, policy) or is_globally_reachable(address)):
        return f"{address} is not a public address (private, loopback, link-local, metadata or reserved)"
    if isinstance(address, ipaddress.IPv6Address):
        for inner in embedded_ipv4(address):
            if not (_allowlisted(inner, policy) or is_globally_reachable(inner)):
                return f"{address} reaches {inner}, which is not a public address"
    return None


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


def ascii_host_name(host: str) -> str:
    """`host` as the resolver sees it (IDNA A-labels), refused unless every label is 1 to 63
    characters and the whole name at most 253 (what IDNA and DNS would otherwise fail on later)."""
    name = host.lower().removesuffix(".")
    if not name.isascii():
        try:
            name = idna.encode(name).decode("ascii")
        except idna.IDNAError as exc:
            raise DestinationRefused(f"the host name is not a valid internationalized name: {exc}") from exc
    if len(name) > MAX_HOST_NAME_LENGTH:
        raise DestinationRefused(f"the host name is longer than {MAX_HOST_NAME_LENGTH} characters")
    for label in name.split("."):
        if not label:
            raise DestinationRefused("the host name has an empty label (two dots in a row?)")
        if not _ASCII_LABEL.match(label):
            raise DestinationRefused(
                "each label of the host name must be 1 to 63 letters, digits, hyphens or underscores"
            )
    return name


def check_url(url: str, policy: DestinationPolicy) -> Destination:
    """The destination of an outbound URL; raises `DestinationRefused` with the reason if not allowed.

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
    else:
        host = ascii_host_name(host)
    return Destination(scheme=scheme, host=host, port=port or (443 if scheme == "https" else 80))

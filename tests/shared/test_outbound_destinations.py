"""SSRF rules: HTTPS only, no internal addresses (however written), unless an operator allows them."""

from __future__ import annotations

import ipaddress

import pytest

from shared.outbound.destinations import (
    DestinationPolicy,
    DestinationRefused,
    address_refusal,
    check_addresses,
    check_url,
)

STRICT = DestinationPolicy()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",  # loopback
        "10.1.2.3",  # private
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata (link-local)
        "100.64.0.1",  # shared address space (CGNAT)
        "0.0.0.0",
        "224.0.0.1",  # multicast
        "255.255.255.255",
        "::1",
        "fe80::1",  # link-local
        "fd00:ec2::254",  # AWS metadata over IPv6 (unique local)
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:169.254.169.254",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "ff02::1",
    ],
)
def test_internal_addresses_are_refused(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address), STRICT) is not None


# The special-purpose address list: every form of an address that is not globally reachable, or
# that carries or translates IPv4 (whatever IPv4 it reaches), written as a URL's host.
SPECIAL_PURPOSE_HOSTS = [
    # IPv4 special-purpose registry
    ("0.0.0.0", "this network"),
    ("0.1.2.3", "this network"),
    ("10.0.0.1", "private"),
    ("100.64.0.1", "shared address space (CGNAT)"),
    ("127.0.0.1", "loopback"),
    ("127.255.255.254", "loopback"),
    ("169.254.169.254", "link-local, cloud metadata"),
    ("172.16.0.1", "private"),
    ("172.31.255.255", "private"),
    ("192.0.0.1", "IETF protocol assignments"),
    ("192.0.0.170", "NAT64 discovery"),
    ("192.0.2.1", "documentation"),
    ("192.88.99.1", "6to4 relay anycast"),
    ("192.168.1.1", "private"),
    ("198.18.0.1", "benchmarking"),
    ("198.51.100.1", "documentation"),
    ("203.0.113.1", "documentation"),
    ("224.0.0.1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "limited broadcast"),
    # IPv6 special-purpose registry and what lies outside global unicast
    ("[::]", "unspecified"),
    ("[::1]", "loopback"),
    ("[100::1]", "discard-only"),
    ("[2001:2::1]", "benchmarking"),
    ("[2001:10::1]", "ORCHID (deprecated)"),
    ("[2001:db8::1]", "documentation"),
    ("[3fff::1]", "documentation"),
    ("[5f00::1]", "SRv6 SIDs"),
    ("[fc00::1]", "unique-local"),
    ("[fd00:ec2::254]", "unique-local, AWS metadata"),
    ("[fe80::1]", "link-local"),
    ("[fe80::1%25eth0]", "link-local with a zone"),
    ("[fec0::1]", "site-local (deprecated)"),
    ("[ff02::1]", "multicast"),
    ("[ff0e::1]", "global multicast"),
    # IPv6 that carries or translates IPv4: refused whatever IPv4 it reaches
    ("[::127.0.0.1]", "IPv4-compatible loopback"),
    ("[::169.254.169.254]", "IPv4-compatible metadata"),
    ("[::8.8.8.8]", "IPv4-compatible public"),
    ("[::ffff:127.0.0.1]", "IPv4-mapped loopback"),
    ("[::ffff:7f00:1]", "IPv4-mapped loopback in hex"),
    ("[::ffff:169.254.169.254]", "IPv4-mapped metadata"),
    ("[::ffff:8.8.8.8]", "IPv4-mapped public"),
    ("[::ffff:0:127.0.0.1]", "IPv4-translated loopback"),
    ("[::ffff:0:8.8.8.8]", "IPv4-translated public"),
    ("[64:ff9b::7f00:1]", "NAT64 well-known prefix, loopback"),
    ("[64:ff9b::a9fe:a9fe]", "NAT64 well-known prefix, metadata"),
    ("[64:ff9b::808:808]", "NAT64 well-known prefix, public"),
    ("[64:ff9b:1::7f00:1]", "NAT64 local-use /96, loopback"),
    ("[64:ff9b:1::a9fe:a9fe]", "NAT64 local-use /96, metadata"),
    ("[64:ff9b:1:7f00:0:100::]", "NAT64 local-use /48, loopback"),
    ("[64:ff9b:1::808:808]", "NAT64 local-use, public"),
    ("[2002:7f00:1::1]", "6to4 of loopback"),
    ("[2002:a9fe:a9fe::1]", "6to4 of metadata"),
    ("[2002:808:808::1]", "6to4 of a public address"),
    ("[2001::1]", "Teredo"),
    ("[2001:0:4136:e378:8000:63bf:3fff:fdd2]", "Teredo of public addresses"),
    ("[2001:0:7f00:1::1]", "Teredo with a loopback server"),
]


@pytest.mark.parametrize(("host", "kind"), SPECIAL_PURPOSE_HOSTS)
def test_every_special_purpose_address_is_refused(host: str, kind: str) -> None:
    with pytest.raises(DestinationRefused, match="not a public address"):
        check_url(f"https://{host}/hook", STRICT)
    address = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    with pytest.raises(DestinationRefused, match="not a public address"):
        check_addresses("hooks.example.com", [address], STRICT)  # what a host name resolves to


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4001:81c::200e"]
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address), STRICT) is None


def test_an_allowlisted_translation_prefix_still_reaches_only_allowed_ipv4() -> None:
    """An IPv6-only network with DNS64 allowlists 64:ff9b::/96: public IPv4 through it, nothing inside."""
    policy = DestinationPolicy.from_allowlist(["64:ff9b::/96"])
    assert address_refusal(ipaddress.ip_address("64:ff9b::808:808"), policy) is None
    refusal = address_refusal(ipaddress.ip_address("64:ff9b::7f00:1"), policy)
    assert refusal is not None and "reaches 127.0.0.1" in refusal
    inside = DestinationPolicy.from_allowlist(["64:ff9b::/96", "10.20.0.0/16"])
    assert address_refusal(ipaddress.ip_address("64:ff9b::a14:304"), inside) is None  # 10.20.3.4
    assert address_refusal(ipaddress.ip_address("::1"), DestinationPolicy.from_allowlist(["::1"])) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://a..example.com/hook", "empty label"),
        ("https://.example.com/hook", "empty label"),
        ("https://" + "a" * 64 + ".example.com/hook", "1 to 63"),
        ("https://" + ".".join(["a" * 63] * 4) + "/hook", "longer than 253"),
        ("https://ex%41mple.com/hook", "1 to 63"),
        ("https://exa\u0308mple..com/hook", "not a valid internationalized name"),
        ("https://xn--zz.example.com/hook".replace("xn--zz", "b\u00fccher-\u0000"), "internationalized"),
    ],
)
def test_malformed_host_names_are_refused_not_crashed_on(url: str, reason: str) -> None:
    with pytest.raises(DestinationRefused, match=reason):
        check_url(url, STRICT)


def test_an_internationalized_host_name_is_checked_in_its_ascii_form() -> None:
    assert check_url("https://B\u00fccher.example/hook", STRICT).host == "xn--bcher-kva.example"
    assert check_url("https://hooks.example.com./in", STRICT).host == "hooks.example.com"


def test_the_operator_allowlist_names_networks_or_hosts() -> None:
    policy = DestinationPolicy.from_allowlist(["10.20.0.0/16", "127.0.0.1", "Hooks.Internal."])
    assert address_refusal(ipaddress.ip_address("10.20.3.4"), policy) is None
    assert address_refusal(ipaddress.ip_address("127.0.0.1"), policy) is None
    assert address_refusal(ipaddress.ip_address("10.21.0.1"), policy) is not None
    check_addresses("hooks.internal", [ipaddress.ip_address("10.99.0.1")], policy)


def test_a_name_with_any_internal_address_is_refused() -> None:
    with pytest.raises(DestinationRefused, match=r"10\.0\.0\.1"):
        check_addresses(
            "hooks.example.com", [ipaddress.ip_address(a) for a in ("8.8.8.8", "10.0.0.1")], STRICT
        )
    with pytest.raises(DestinationRefused, match="no address"):
        check_addresses("hooks.example.com", [], STRICT)


def test_urls_must_be_https_without_credentials() -> None:
    assert check_url("https://hooks.example.com/in", STRICT).port == 443
    for url, reason in [
        ("http://hooks.example.com/in", "https"),
        ("ftp://hooks.example.com/in", "https"),
        ("https://user:pw@hooks.example.com/in", "credentials"),
        ("https:///in", "no host"),
        ("https://hooks.example.com:99999/", "not a valid URL"),
        ("https://hooks.example.com/in#x", "fragment"),
        ("https://10.0.0.1/in", "not a public address"),
        ("https://[::1]:8443/in", "not a public address"),
    ]:
        with pytest.raises(DestinationRefused, match=reason):
            check_url(url, STRICT)


def test_plain_http_only_when_the_operator_allows_it() -> None:
    destination = check_url("http://hooks.example.com/in", DestinationPolicy(allow_http=True))
    assert (destination.scheme, destination.port) == ("http", 80)


@pytest.mark.parametrize("entry", ["10.0.0.0/33", "300.1.2.3", "hooks internal", "1.2.3"])
def test_a_malformed_allowlist_entry_is_refused(entry: str) -> None:
    with pytest.raises(ValueError, match="neither a CIDR nor a host name"):
        DestinationPolicy.from_allowlist([entry])

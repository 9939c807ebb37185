"""SSRF rules: HTTPS only, no internal addresses (however written), unless an operator allows them."""

from __future__ import annotations

import ipaddress

import pytest

from webhooks.destinations import (
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


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "64:ff9b::808:808"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address), STRICT) is None


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

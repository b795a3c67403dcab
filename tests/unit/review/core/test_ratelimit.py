"""The throttles' pure parts: the per-subject backoff, the counter a client address falls under, and the
trusted-proxy list."""

from __future__ import annotations

import pytest

from review.core.ratelimit import Throttle, backoff, client_key
from review.core.web.client_address import trusted_proxies

pytestmark = pytest.mark.unit


def test_backoff_is_free_then_doubles_up_to_the_cap() -> None:
    delays = [backoff(n, free=5, first=0.25, cap=4.0) for n in range(12)]

    assert delays == [0, 0, 0, 0, 0, 0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_backoff_stays_capped_however_many_failures() -> None:
    assert backoff(10_000, free=5, first=0.25, cap=4.0) == 4.0


def test_client_key_is_the_ipv4_address() -> None:
    assert client_key("198.51.100.7") == "198.51.100.7"
    assert client_key("::ffff:198.51.100.7") == "198.51.100.7"


def test_client_key_groups_an_ipv6_site_by_its_64() -> None:
    assert client_key("2001:db8:1:2::1") == client_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")


def test_trusted_proxies_takes_addresses_networks_and_any() -> None:
    assert trusted_proxies("") == []
    assert trusted_proxies(" 10.0.0.5, 172.16.0.0/12 ,fd00::/8") == ["10.0.0.5", "172.16.0.0/12", "fd00::/8"]
    assert trusted_proxies("*") == ["*"]


def test_trusted_proxies_refuses_a_name() -> None:
    with pytest.raises(ValueError, match="proxy.example"):
        trusted_proxies("10.0.0.5, proxy.example")


def test_throttle_with_a_malformed_rule_fails_when_made() -> None:
    with pytest.raises(ValueError):
        Throttle("login", "twenty a minute", "5/hour")

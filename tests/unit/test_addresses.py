"""The client address behind reverse proxies: X-Forwarded-For only from a trusted peer, read from
the right, never a client's own claim."""

from __future__ import annotations

import pytest

from registry.lib.addresses import TrustedProxies, came_over_tls, client_address


def scope(peer: str | None, *headers: tuple[bytes, bytes], scheme: str = "http") -> dict[str, object]:
    return {"client": (peer, 1234) if peer else None, "headers": list(headers), "scheme": scheme}


PROXIES = TrustedProxies(["127.0.0.1", "10.0.0.0/8", "2001:db8::/32"])
XFF = b"x-forwarded-for"


def test_without_trusted_proxies_the_header_is_never_read() -> None:
    none = TrustedProxies()
    assert client_address(scope("127.0.0.1", (XFF, b"203.0.113.5")), none) == "127.0.0.1"
    assert client_address(scope(None), none) == "unknown"
    assert client_address(scope("testclient"), none) == "testclient"


def test_an_untrusted_peer_cannot_choose_its_address() -> None:
    assert client_address(scope("198.51.100.7", (XFF, b"203.0.113.5")), PROXIES) == "198.51.100.7"
    assert client_address(scope("testclient", (XFF, b"203.0.113.5")), PROXIES) == "testclient"


def test_a_trusted_peer_names_the_client_right_most_untrusted_first() -> None:
    assert client_address(scope("127.0.0.1", (XFF, b"203.0.113.5")), PROXIES) == "203.0.113.5"
    # the client wrote "1.2.3.4" itself; nginx appended the real peer; an inner proxy its own hop
    forged = scope("127.0.0.1", (XFF, b"1.2.3.4, 203.0.113.5, 10.1.2.3"))
    assert client_address(forged, PROXIES) == "203.0.113.5"
    # several header lines are one list, in order
    split = scope("10.0.0.1", (XFF, b"1.2.3.4"), (XFF, b"203.0.113.9"))
    assert client_address(split, PROXIES) == "203.0.113.9"
    # every hop trusted: the left-most is as far as we can see
    assert client_address(scope("127.0.0.1", (XFF, b"10.9.9.9, 10.0.0.2")), PROXIES) == "10.9.9.9"
    # no header: the proxy itself
    assert client_address(scope("127.0.0.1"), PROXIES) == "127.0.0.1"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"[2001:db9::1]:443", "2001:db9::1"),
        (b"203.0.113.5:5678", "203.0.113.5"),
        (b"2001:db9::7", "2001:db9::7"),
        (b"unknown", "127.0.0.1"),  # a trusted proxy that knew no address: the hop we know
        (b"garbage, 10.0.0.3", "10.0.0.3"),
        (b"", "127.0.0.1"),
    ],
)
def test_forms_proxies_write(header: bytes, expected: str) -> None:
    assert client_address(scope("127.0.0.1", (XFF, header)), PROXIES) == expected


def test_an_ipv4_peer_seen_by_a_dual_stack_socket_is_trusted() -> None:
    assert client_address(scope("::ffff:127.0.0.1", (XFF, b"203.0.113.5")), PROXIES) == "203.0.113.5"


def test_tls_is_our_scheme_or_what_a_trusted_proxy_says() -> None:
    proto = (b"x-forwarded-proto", b"https")
    assert came_over_tls(scope("198.51.100.7", scheme="https"), TrustedProxies())
    assert not came_over_tls(scope("198.51.100.7", proto), PROXIES)
    assert not came_over_tls(scope("127.0.0.1", proto), TrustedProxies())
    assert came_over_tls(scope("127.0.0.1", proto), PROXIES)
    assert not came_over_tls(scope("127.0.0.1", (b"x-forwarded-proto", b"http")), PROXIES)


def test_a_bad_entry_is_refused_at_start_naming_the_setting() -> None:
    with pytest.raises(ValueError, match="REGISTRY_TRUSTED_PROXIES: 'nginx'"):
        TrustedProxies(["nginx"])


def test_the_settings_read_the_list_from_the_environment() -> None:
    from registry.settings import Settings

    assert Settings.from_env({}).trusted_proxies == ()
    env = {"REGISTRY_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1 ::1"}
    assert Settings.from_env(env).trusted_proxies == ("10.0.0.0/8", "127.0.0.1", "::1")
    limits = Settings.from_env({"REGISTRY_TOKEN_FAILURES_PER_CLIENT": "5", "REGISTRY_TOKEN_FAILURES_PER_ADDRESS": "50"})
    assert (limits.auth.token_failures_per_client, limits.auth.token_failures_per_window) == (5, 50)

"""Which Host and Origin headers the server answers (the rules, without a server)."""

from __future__ import annotations

import pytest

from normquiz.serve.origin import HostPolicy, split_host

PORT = 8123


@pytest.mark.parametrize(("text", "parsed"), [
    ("127.0.0.1:8123", ("127.0.0.1", 8123)),
    ("LocalHost:8123", ("localhost", 8123)),
    ("localhost.:8123", ("localhost", 8123)),
    ("[::1]:8123", ("::1", 8123)),
    ("[::1]", ("::1", None)),
    ("::1", ("::1", None)),
    ("mylaptop.local", ("mylaptop.local", None)),
    ("a:0", None), ("a:65536", None), ("a:80x", None), ("[::1", None), ("[::1]x", None),
    ("", None), ("evil.example@127.0.0.1:8123", None), ("a b:1", None),
])
def test_host_names_and_ports_are_read_strictly(text: str, parsed) -> None:
    assert split_host(text) == parsed


@pytest.mark.parametrize(("host", "allowed"), [
    (f"127.0.0.1:{PORT}", True), (f"localhost:{PORT}", True), (f"[::1]:{PORT}", True),
    (f"LOCALHOST:{PORT}", True),
    ("127.0.0.1", False),  # no port: 80
    ("127.0.0.1:9999", False),  # another port: another server
    (f"attacker.example:{PORT}", False),  # DNS rebinding: the attacker's name
    (f"127.0.0.1.nip.io:{PORT}", False),
    (f"192.168.1.20:{PORT}", False),  # an address, but the server listens on loopback only
    (None, False), ("", False),
])
def test_loopback_server_answers_loopback_names_on_its_port(host, allowed: bool) -> None:
    assert HostPolicy.for_server("127.0.0.1", PORT).allows_host(host) is allowed


def test_the_listen_address_and_allowed_names_are_answered() -> None:
    policy = HostPolicy.for_server("192.168.1.20", PORT, ["mylaptop.local", "localhost:9000"])
    assert policy.allows_host(f"192.168.1.20:{PORT}")
    assert policy.allows_host(f"mylaptop.local:{PORT}")
    assert policy.allows_host("localhost:9000")  # an SSH tunnel's local port
    assert not policy.allows_host("mylaptop.local:9000")
    assert not policy.allows_host(f"192.168.1.21:{PORT}")


def test_a_wildcard_server_answers_any_address_but_no_unknown_name() -> None:
    policy = HostPolicy.for_server("0.0.0.0", PORT)
    assert policy.allows_host(f"192.168.1.20:{PORT}")
    assert policy.allows_host(f"[fe80::1]:{PORT}")
    assert not policy.allows_host(f"0.0.0.0.attacker.example:{PORT}")
    assert not policy.allows_host(f"mylaptop.local:{PORT}")


@pytest.mark.parametrize(("origin", "host", "allowed"), [
    (f"http://127.0.0.1:{PORT}", f"127.0.0.1:{PORT}", True),
    (f"http://localhost:{PORT}", f"localhost:{PORT}", True),
    (f"http://[::1]:{PORT}", f"[::1]:{PORT}", True),
    (f"HTTP://LOCALHOST:{PORT}", f"localhost:{PORT}", True),
    (f"http://localhost:{PORT}", f"127.0.0.1:{PORT}", False),  # another origin, though the same machine
    (f"http://127.0.0.1:9999", f"127.0.0.1:{PORT}", False),  # another server on this machine
    ("https://attacker.example", f"127.0.0.1:{PORT}", False),
    (f"http://attacker.example:{PORT}", f"attacker.example:{PORT}", False),  # rebinding: Host refused
    ("null", f"127.0.0.1:{PORT}", False),  # sandboxed frames and file: pages
    (None, f"127.0.0.1:{PORT}", False), ("", f"127.0.0.1:{PORT}", False),
    (f"ws://127.0.0.1:{PORT}", f"127.0.0.1:{PORT}", False),
    (f"http://127.0.0.1:{PORT}/path", f"127.0.0.1:{PORT}", False),
    ("http://127.0.0.1:99999", f"127.0.0.1:{PORT}", False),
])
def test_a_websocket_is_accepted_only_from_the_servers_own_page(origin, host, allowed: bool) -> None:
    assert HostPolicy.for_server("127.0.0.1", PORT).allows_origin(origin, host) is allowed


def test_behind_a_tls_proxy_the_https_origin_of_the_proxy_name_is_the_own_page() -> None:
    policy = HostPolicy.for_server("127.0.0.1", PORT, ["quiz.example.org:443"])
    assert policy.allows_origin("https://quiz.example.org", "quiz.example.org")
    assert not policy.allows_origin("https://attacker.example", "quiz.example.org")

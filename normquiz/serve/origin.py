"""Which requests the server answers: the Host it is reached by, and the Origin of a websocket's page.

Binding to loopback keeps other machines out, not other web sites: any page
open in the user's browser can make it connect to ``ws://127.0.0.1:PORT``.
Two checks keep such pages out:

- Host: every request must name the server by an address on the allow-list
  (the loopback names, the ``--host`` given, the ``--allow-host`` names),
  with the server's port. A DNS-rebinding page reaches the server under its
  own domain name, so its requests carry that name in Host and are refused.
- Origin: browsers send the page's origin with every websocket handshake
  (RFC 6455, section 4.1; RFC 6454), and a page cannot change it. A websocket
  is accepted only from the server's own page, whose origin is the scheme
  and the Host the browser used. Without an Origin (not a browser) it is
  refused too: the page always sends one.

Only the standard library is used here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
WILDCARD_HOSTS = ("", "0.0.0.0", "::")
DEFAULT_PORTS = {"http": 80, "https": 443}


def split_host(text: str) -> tuple[str, int | None] | None:
    """``NAME[:PORT]`` or ``[IPV6][:PORT]`` as (lowercase name without a final dot, port); None if malformed."""
    text = text.strip().lower()
    if text.startswith("["):
        name, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None
        port_text = rest[1:] if rest else None
    elif text.count(":") > 1:  # a bare IPv6 address (as given to --host)
        name, port_text = text, None
    else:
        name, colon, port_text_or_empty = text.partition(":")
        port_text = port_text_or_empty if colon else None
    name = name.removesuffix(".")
    if not name or any(character.isspace() or character in "/@?#\\" for character in name):
        return None
    if port_text is None:
        return name, None
    if not port_text.isdigit() or len(port_text) > 5 or not 0 < int(port_text) <= 65535:
        return None
    return name, int(port_text)


def is_ip_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def shown_host(name: str, port: int) -> str:
    """How a browser's address bar writes ``name`` and ``port``."""
    return f"[{name}]:{port}" if ":" in name else f"{name}:{port}"


@dataclass(frozen=True)
class HostPolicy:
    """The addresses the server answers to, on ``port``, and the websocket origins it accepts.

    ``allowed`` holds names (any port is the server's) and (name, port)
    pairs from ``--allow-host NAME:PORT`` (an SSH tunnel or a proxy on
    another port). With a wildcard ``--host`` any IP address is accepted
    too: an address cannot be rebound the way a domain name can.
    """

    port: int
    names: frozenset[str]
    name_ports: frozenset[tuple[str, int]]
    any_ip_address: bool

    @classmethod
    def for_server(cls, listen_host: str, port: int, allow_hosts: Iterable[str] = ()) -> HostPolicy:
        names = set(LOOPBACK_NAMES)
        name_ports: set[tuple[str, int]] = set()
        wildcard = listen_host.strip("[]") in WILDCARD_HOSTS
        if not wildcard:
            listened = split_host(listen_host)
            if listened is not None:
                names.add(listened[0])
        for text in allow_hosts:
            allowed = split_host(text)
            if allowed is None:
                raise ValueError(f"not a host name: {text!r}")
            name, allowed_port = allowed
            if allowed_port is None:
                names.add(name)
            else:
                name_ports.add((name, allowed_port))
        return cls(port, frozenset(names), frozenset(name_ports), wildcard)

    def allows_host(self, host_header: str | None) -> bool:
        """Whether a request whose Host header is ``host_header`` is answered."""
        parsed = split_host(host_header) if host_header else None
        if parsed is None:
            return False
        name, port = parsed
        # No port: the default one of the scheme the browser used, which only it knows.
        ports = {port} if port is not None else set(DEFAULT_PORTS.values())
        if any((name, candidate) in self.name_ports for candidate in ports):
            return True
        if self.port not in ports:
            return False
        return name in self.names or (self.any_ip_address and is_ip_address(name))

    def allows_origin(self, origin: str | None, host_header: str | None) -> bool:
        """Whether a websocket from a page of ``origin`` is the server's own page reached at ``host_header``."""
        if not origin or not host_header or not self.allows_host(host_header):
            return False
        try:
            parts = urlsplit(origin.strip())
            origin_port = parts.port
        except ValueError:
            return False
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.path or parts.query:
            return False
        host = split_host(host_header)
        assert host is not None  # allows_host parsed it
        origin_host = split_host(shown_host(parts.hostname, origin_port or DEFAULT_PORTS[parts.scheme]))
        # The page was served over http; https when a TLS proxy is in front, whose Host omits 443.
        host_port = host[1] if host[1] is not None else DEFAULT_PORTS[parts.scheme]
        return origin_host == (host[0], host_port)

"""How requests reach the API: which hosts may be asked in plain http, the TLS trust store and
the proxy, all read from the environment and judged before the first request.

httpx would read ``HTTP(S)_PROXY``, ``ALL_PROXY``, ``NO_PROXY`` and ``SSL_CERT_FILE`` itself,
and fail late (an "internal error" mid-wait) on a bad one, or send loopback traffic, with the
key, to a proxy. So the client runs with ``trust_env=False`` and these rules instead:

- plain http only to a literal loopback address, or ``localhost`` when it resolves to loopback
  addresses only (never ``*.localhost``, which goes through DNS);
- loopback hosts are never reached through a proxy;
- a proxy must be an ``http://`` or ``https://`` URL; ``NO_PROXY`` is honoured;
- ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` replace the bundled CA store when set, and must load;
- a TLS context is made only for an ``https`` API.

A bad value is a ``UsageError`` naming the variable (exit 2).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from testerarmy_wait.errors import UsageError

PROXY_SCHEMES: Final = ("http", "https")


def is_loopback_address(host: str) -> bool:
    """True for a literal loopback IP address (127.0.0.0/8, ::1)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolves_to_loopback_only(host: str) -> bool:
    """``localhost`` as the system resolves it (normally the hosts file): every address it
    names must be a loopback address."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(is_loopback_address(str(a)) for a in addresses)


def is_loopback_host(host: str) -> bool:
    """May plain http go to ``host``? Literal loopback addresses, and ``localhost`` when it
    resolves to loopback only."""
    if is_loopback_address(host):
        return True
    return host.lower() == "localhost" and resolves_to_loopback_only(host)


@dataclass(frozen=True, eq=False)
class Route:
    """How the client reaches the API."""

    verify: ssl.SSLContext | bool  # the CA store for https; for plain http, one never used
    proxy: str | None = None


def _env(env: Mapping[str, str], *names: str) -> tuple[str, str] | None:
    """The first of ``names`` (also tried in lower case) that is set and not empty."""
    for name in names:
        for variant in (name, name.lower()):
            value = env.get(variant, "").strip()
            if value:
                return variant, value
    return None


def _no_proxy(host: str, env: Mapping[str, str]) -> bool:
    found = _env(env, "NO_PROXY")
    if found is None:
        return False
    host = host.lower().strip("[]")
    for entry in found[1].split(","):
        item = entry.strip().lower().lstrip(".")
        if item.startswith("*."):
            item = item[2:]
        if item == "*" or (item and (host == item or host.endswith("." + item))):
            return True
    return False


def _proxy(scheme: str, env: Mapping[str, str]) -> str | None:
    names = ("HTTPS_PROXY", "ALL_PROXY") if scheme == "https" else ("HTTP_PROXY", "ALL_PROXY")
    found = _env(env, *names)
    if found is None:
        return None
    name, value = found
    try:
        parts = urlsplit(value if "://" in value else f"http://{value}")
        _ = parts.port
    except ValueError:
        raise UsageError(f"{name}: not a proxy URL like http://proxy.example:3128") from None
    if parts.scheme.lower() not in PROXY_SCHEMES:
        kind = "socks proxies are" if parts.scheme.lower().startswith("socks") else "it is"
        raise UsageError(f"{name}: {kind} not supported here; use an http:// or https:// proxy URL")
    if not parts.hostname:
        raise UsageError(f"{name}: not a proxy URL like http://proxy.example:3128")
    return parts.geturl()


def tls_context(env: Mapping[str, str]) -> ssl.SSLContext:
    """The CA store: ``SSL_CERT_FILE`` or ``SSL_CERT_DIR`` when set, else the bundled one."""
    cert_file = _env(env, "SSL_CERT_FILE")
    cert_dir = _env(env, "SSL_CERT_DIR")
    try:
        if cert_file is not None:
            name, path = cert_file
            if not os.path.isfile(path):
                raise UsageError(f"{name}: {path!r} is not a file of CA certificates")
            return ssl.create_default_context(cafile=path)
        if cert_dir is not None:
            name, path = cert_dir
            if not os.path.isdir(path):
                raise UsageError(f"{name}: {path!r} is not a directory of CA certificates")
            return ssl.create_default_context(capath=path)
    except (ssl.SSLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or type(error).__name__
        raise UsageError(f"{name}: cannot load CA certificates from it ({reason})") from None
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def route_for(api_url: str, env: Mapping[str, str]) -> Route:
    """How to reach ``api_url`` (already checked by the settings), from ``env``."""
    parts = urlsplit(api_url)
    host = parts.hostname or ""
    loopback = is_loopback_address(host) or host.lower() == "localhost"
    proxy = None if loopback or _no_proxy(host, env) else _proxy(parts.scheme, env)
    verify = tls_context(env) if parts.scheme == "https" else unused_tls_context()
    return Route(verify=verify, proxy=proxy)


def unused_tls_context() -> ssl.SSLContext:
    """For a plain-http API: httpx wants a context anyway; this one trusts nothing (it is
    never used) and costs nothing to make, unlike one that loads a CA store."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)

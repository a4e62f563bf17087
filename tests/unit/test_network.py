"""Which hosts get plain http, which proxy a request takes, and which CA store it trusts."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from testerarmy_wait.errors import UsageError
from testerarmy_wait.network import is_loopback_host, route_for


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("evil.localhost", False),
        ("localhost.evil.example", False),
        ("10.0.0.1", False),
        ("0.0.0.0", False),
    ],
)
def test_plain_http_hosts_are_literal_loopback_or_localhost(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


def test_loopback_is_never_proxied_and_gets_no_tls_context_over_http() -> None:
    env = {"HTTP_PROXY": "http://proxy.example:3128", "ALL_PROXY": "socks5://x"}
    route = route_for("http://127.0.0.1:8080/api", env)
    assert route.proxy is None
    assert isinstance(route.verify, ssl.SSLContext)
    assert route.verify.cert_store_stats()["x509_ca"] == 0  # no CA store loaded for http


def test_https_proxy_applies_to_a_remote_https_api_unless_no_proxy_names_it() -> None:
    env = {"HTTPS_PROXY": "http://proxy.example:3128"}
    assert route_for("https://tester.army/api", env).proxy == "http://proxy.example:3128"
    for no_proxy in ("tester.army", ".tester.army", "*", "example.com, tester.army"):
        assert route_for("https://tester.army/api", env | {"NO_PROXY": no_proxy}).proxy is None
    assert route_for("https://tester.army/api", env | {"no_proxy": "ester.army"}).proxy is not None


def test_lower_case_proxy_variables_count_too() -> None:
    route = route_for("https://tester.army/api", {"https_proxy": "proxy.example:3128"})
    assert route.proxy == "http://proxy.example:3128"


def test_ssl_cert_file_replaces_the_bundled_store(tmp_path: Path) -> None:
    route = route_for("https://tester.army/api", {})
    assert isinstance(route.verify, ssl.SSLContext)
    (tmp_path / "bad.pem").write_text("nope")
    with pytest.raises(UsageError, match="SSL_CERT_FILE: cannot load"):
        route_for("https://tester.army/api", {"SSL_CERT_FILE": str(tmp_path / "bad.pem")})
    with pytest.raises(UsageError, match="SSL_CERT_DIR"):
        route_for("https://tester.army/api", {"SSL_CERT_DIR": str(tmp_path / "missing")})

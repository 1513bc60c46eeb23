"""The client's address that rate limits and login lock-outs count by, and the
settings of the rate limits."""

from __future__ import annotations

from typing import Any

import pytest
from axes.helpers import get_client_ip_address
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from asamblea.errors import TooManyRequests, exit_code_for
from asamblea.settings import cache_settings, env_rate
from asamblea.web.ratelimit import address_key, client_address


def _request(remote: str = "192.0.2.1", forwarded: str | None = None) -> Any:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "address"),
    [
        pytest.param(0, "203.0.113.7", "192.0.2.1", id="no-proxy-ignores-the-header"),
        pytest.param(1, None, "192.0.2.1", id="one-proxy-but-no-header-is-the-connection"),
        pytest.param(1, "203.0.113.7", "203.0.113.7", id="one-proxy-gives-its-address"),
        pytest.param(
            1, "6.6.6.6, 203.0.113.7", "203.0.113.7", id="one-proxy-ignores-what-the-client-wrote"
        ),
        pytest.param(
            2,
            "6.6.6.6, 203.0.113.7, 10.0.0.2",
            "203.0.113.7",
            id="two-proxies-count-from-the-right",
        ),
        pytest.param(2, "203.0.113.7", "192.0.2.1", id="fewer-entries-than-proxies"),
        pytest.param(1, "not-an-address", "192.0.2.1", id="garbage-is-the-connection"),
        pytest.param(1, " 2001:db8::1 ", "2001:db8::1", id="ipv6"),
    ],
)
def test_the_client_address(
    settings: Any, proxies: int, forwarded: str | None, address: str
) -> None:
    settings.PROXY_COUNT = proxies
    assert client_address(_request(forwarded=forwarded)) == address


def test_login_lock_outs_use_the_same_address(settings: Any) -> None:
    settings.PROXY_COUNT = 1
    assert get_client_ip_address(_request(forwarded="203.0.113.7")) == "203.0.113.7"
    settings.PROXY_COUNT = 0
    assert get_client_ip_address(_request(forwarded="203.0.113.7")) == "192.0.2.1"


def test_an_ipv6_client_counts_by_its_64_network(settings: Any) -> None:
    one = address_key(_request(remote="2001:db8:1:2::1"))
    other = address_key(_request(remote="2001:db8:1:2:ffff::9"))
    elsewhere = address_key(_request(remote="2001:db8:1:3::1"))
    assert one == other != elsewhere
    assert address_key(_request(remote="192.0.2.1")) != address_key(_request(remote="192.0.2.2"))
    assert address_key(_request(remote="")) == "address:unknown"


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("", "django.core.cache.backends.locmem.LocMemCache"),
        ("db", "django.core.cache.backends.db.DatabaseCache"),
        ("redis://cache.internal:6379/0", "django.core.cache.backends.redis.RedisCache"),
        ("rediss://cache.internal:6380/1", "django.core.cache.backends.redis.RedisCache"),
    ],
)
def test_the_cache_url_chooses_django_s_cache(url: str, backend: str) -> None:
    cache = cache_settings(url)["default"]
    assert cache["BACKEND"] == backend
    if url.startswith("redis"):
        assert cache["LOCATION"] == url


def test_an_unknown_cache_url_says_what_to_write() -> None:
    with pytest.raises(ImproperlyConfigured, match="redis://host:6379/0"):
        cache_settings("memcached://cache:11211")


@pytest.mark.parametrize("rate", ["10/h", "300/m", "5/10m", "1/s", "100/d", ""])
def test_a_rate_is_a_count_per_period(monkeypatch: pytest.MonkeyPatch, rate: str) -> None:
    monkeypatch.setenv("RATE_JOIN", rate)
    assert env_rate("RATE_JOIN") == rate


@pytest.mark.parametrize("rate", ["10", "ten/h", "10/hour", "10 per hour", "/h"])
def test_a_malformed_rate_says_how_to_write_one(monkeypatch: pytest.MonkeyPatch, rate: str) -> None:
    monkeypatch.setenv("RATE_API", rate)
    with pytest.raises(ImproperlyConfigured, match="such as 10/h"):
        env_rate("RATE_API")


def test_too_many_requests_has_its_exit_code_and_waits_at_least_a_second() -> None:
    error = TooManyRequests("slow down", retry_after=0)
    assert exit_code_for(error) == 7
    assert error.retry_after == 1

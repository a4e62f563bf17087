"""The fingerprint: pages without ids, titles as content words, similarity."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from testerarmy_wait.baseline.fingerprint import page_of, similarity, words_of


@pytest.mark.parametrize(
    ("url", "page"),
    [
        ("https://shop.example.com/orders/10482?tab=items", "/orders/*"),
        ("https://preview-123.example.dev/orders/99120#summary", "/orders/*"),
        ("https://x.example/#/orders/ab12cd34ef/", "/orders/*"),
        ("/product/blue-shoe-12345", "/product/*"),
        (
            "https://a/v2/Users/3f2a9c1e-5b7d-4e21-9a0c-7d1e2f3a4b5c/settings",
            "/v2/users/*/settings",
        ),
        ("https://a/billing/invoices/inv_7c1d2e3f4a5b", "/billing/invoices/*"),
        ("shop.example.com/cart", "/cart"),
        ("https://shop.example.com/", "/"),
        ("https://shop.example.com/Checkout/Payment/", "/checkout/payment"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_a_page_is_the_path_without_host_query_fragment_or_ids(url: str, page: str) -> None:
    assert page_of(url) == page


def test_different_pages_stay_apart() -> None:
    assert page_of("https://a/orders/1") != page_of("https://a/orders/1/invoice")
    assert page_of("https://a/signup") != page_of("https://a/signin")


def test_titles_lose_stop_words_negations_and_inflections() -> None:
    assert words_of("The payment never completes") == words_of("Payments do not complete")
    assert words_of("Refreshing loses the changes") == words_of("Reload: changes lost")
    assert words_of("") == frozenset()


def test_reworded_titles_are_similar_and_different_problems_are_not() -> None:
    same = similarity(
        words_of("Payment with a valid card never completes"),
        words_of("Paying by card gets stuck on the payment step; valid card"),
    )
    other = similarity(
        words_of("Payment with a valid card never completes"),
        words_of("Pay button has insufficient colour contrast"),
    )
    assert same >= 0.5
    assert other < 0.3


@given(st.text(max_size=200), st.text(max_size=200))
def test_similarity_is_symmetric_bounded_and_deterministic(a: str, b: str) -> None:
    x, y = words_of(a), words_of(b)
    assert similarity(x, y) == similarity(y, x)
    assert 0.0 <= similarity(x, y) <= 1.0
    assert similarity(x, x) == 1.0
    assert words_of(a) == words_of(a)


@given(st.text(max_size=300))
def test_any_url_gives_a_page_without_query_or_fragment(url: str) -> None:
    page = page_of(url)
    assert page == "" or page.startswith("/")
    assert "?" not in page
    assert page_of(url) == page

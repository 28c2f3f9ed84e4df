"""mask_credentials: every sensitive value hidden, nothing else touched."""

from __future__ import annotations

import pytest

from fastdjango.contrib.auth import MASK, mask_credentials


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "PASSWORD",
        "new_password1",
        "passphrase",
        "pwd",
        "token",
        "access_token",
        "client_secret",
        "api_key",
        "apiKey",
        "X-Api-Key",
        "signature",
        "Authorization",
        "session_cookie",
        "credential",
    ],
)
def test_sensitive_names_are_masked(name: str) -> None:
    assert mask_credentials({name: "hunter2"}) == {name: MASK}


@pytest.mark.parametrize("name", ["username", "email", "remember_me", "next"])
def test_other_values_are_kept(name: str) -> None:
    assert mask_credentials({name: "ada"}) == {name: "ada"}


def test_nested_values_are_cleansed_and_the_argument_is_untouched() -> None:
    credentials = {
        "username": "ada",
        "form": {"password": "hunter2", "otp": {"signature": "abc"}},
        "factors": [{"token": "123"}, "plain"],
        "pair": ({"secret": "s"},),
        "api": {"whatever": "x"},
    }
    masked = mask_credentials(credentials)
    assert masked == {
        "username": "ada",
        "form": {"password": MASK, "otp": {"signature": MASK}},
        "factors": [{"token": MASK}, "plain"],
        "pair": ({"secret": MASK},),
        "api": MASK,
    }
    assert credentials["form"] == {"password": "hunter2", "otp": {"signature": "abc"}}

"""fastdjango.masking: the one rule for secrets, at any depth, extendable."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections import namedtuple
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

import fastdjango.masking as masking
from fastdjango.masking import (
    MASK,
    MAX_DEPTH,
    add_secret_names,
    is_secret_name,
    mask_mapping,
    mask_secrets,
)
from tests.support.secrets import PLAIN_NAMES, assert_masked, mappings, trees


def test_all_is_pinned() -> None:
    assert masking.__all__ == [
        "MASK",
        "MAX_DEPTH",
        "SECRET_FRAGMENTS",
        "SECRET_WORDS",
        "add_secret_names",
        "is_secret_name",
        "mask_mapping",
        "mask_secrets",
    ]
    for name in masking.__all__:
        assert getattr(masking, name).__doc__ or name.isupper(), name


def test_imports_nothing_outside_the_standard_library() -> None:
    code = (
        "import sys; before = set(sys.modules); import fastdjango.masking; "
        "new = {m.split('.')[0] for m in set(sys.modules) - before}; "
        "print(sorted(new - set(sys.stdlib_module_names) - {'fastdjango'}))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "name",
    [
        # Django's list
        "api", "token", "key", "secret", "password", "signature",
        # and more
        "PIN", "pin", "Pin", "pIn", "user_pin", "userPin", "pinCode", "pincode", "pin2", "piN0",
        "otp", "OTP", "Otp", "X-OTP", "otpCode", "totp", "mfa.hotp", "cvv", "card_CVC",
        "passcode", "Authorization", "cookie", "Set-Cookie", "sessionid", "session_cookie",
        "PASSWORD", "new_password1", "passphrase", "pwd", "access_token", "client_secret",
        "api_key", "apiKey", "X-Api-Key", "credential",
        b"authorization", b"cookie",
    ],
)  # fmt: skip
def test_secret_names(name: str | bytes) -> None:
    assert is_secret_name(name)
    assert mask_mapping({name: "hunter2"}) == {name: MASK}


@pytest.mark.parametrize("name", [*PLAIN_NAMES, "pinned", "typing", "shopping", "footprint"])
def test_other_names_are_kept(name: str) -> None:
    assert not is_secret_name(name)
    assert mask_mapping({name: "ada"}) == {name: "ada"}


@pytest.mark.parametrize("name", [None, 5, ("password",), object()])
def test_only_strings_and_bytes_name_secrets(name: object) -> None:
    assert not is_secret_name(name)


def test_nested_values_pairs_and_the_argument_is_untouched() -> None:
    credentials = {
        "username": "ada",
        "form": {"password": "hunter2", "mfa": {"signature": "abc"}},
        "factors": [{"token": "123"}, "plain"],
        "nested": ({"secret": "s"},),
        "api": {"whatever": "x"},
        "headers": [("authorization", "Bearer abc"), ("accept", "text/html")],
        "raw": [(b"cookie", b"id=1"), (b"host", b"example.com")],
        "fields": [["otp", "123456"], ["remember", True]],
        "tags": {("token", "t"), ("colour", "red")},
        "frozen": frozenset({("pin", 1234)}),
    }
    assert mask_secrets(credentials) == {
        "username": "ada",
        "form": {"password": MASK, "mfa": {"signature": MASK}},
        "factors": [{"token": MASK}, "plain"],
        "nested": ({"secret": MASK},),
        "api": MASK,
        "headers": [("authorization", MASK), ("accept", "text/html")],
        "raw": [(b"cookie", MASK.encode()), (b"host", b"example.com")],
        "fields": [["otp", MASK], ["remember", True]],
        "tags": {("token", MASK), ("colour", "red")},
        "frozen": frozenset({("pin", MASK)}),
    }
    assert credentials["form"] == {"password": "hunter2", "mfa": {"signature": "abc"}}
    assert credentials["headers"] == [("authorization", "Bearer abc"), ("accept", "text/html")]


def test_named_tuples_are_masked_by_field_name() -> None:
    Login = namedtuple("Login", ["username", "otp"])
    masked = mask_secrets([Login("ada", "123456")])
    assert masked == [Login("ada", MASK)]
    assert type(masked[0]) is Login


def test_other_objects_are_returned_as_they_are() -> None:
    marker = object()
    assert mask_secrets({"user": marker})["user"] is marker
    assert mask_secrets(marker) is marker


def test_a_container_that_contains_itself_is_masked_there() -> None:
    loop: list[Any] = ["PUBLIC"]
    loop.append(loop)
    assert mask_secrets(loop) == ["PUBLIC", MASK]


def test_nesting_deeper_than_max_depth_is_masked_whole() -> None:
    deep: Any = "password"
    for _ in range(MAX_DEPTH + 5):
        deep = [deep]
    masked = mask_secrets(deep)
    for _ in range(MAX_DEPTH):
        masked = masked[0]
    assert masked == MASK


@given(trees())
def test_no_secret_survives_any_nesting(drawn: tuple[Any, int]) -> None:
    tree, publics = drawn
    assert_masked(repr(mask_secrets(tree)), publics)


@given(mappings())
def test_no_secret_survives_in_a_mapping(drawn: tuple[dict[str, Any], int]) -> None:
    mapping, publics = drawn
    assert_masked(repr(mask_mapping(mapping)), publics)


@pytest.fixture
def restore_names() -> Iterator[None]:
    saved = (masking._fragments, masking._words, masking._fragment_pattern)
    yield
    masking._fragments, masking._words, masking._fragment_pattern = saved


@pytest.mark.usefixtures("restore_names")
def test_added_fragments_match_anywhere_in_any_case() -> None:
    assert not is_secret_name("payee_iban")
    add_secret_names("IBAN", "recovery")
    assert is_secret_name("payee_iban")
    assert is_secret_name("RecoveryCodes")
    assert mask_secrets([("Iban", "DE89...")]) == [("Iban", MASK)]


@pytest.mark.usefixtures("restore_names")
def test_added_words_match_only_whole_words() -> None:
    add_secret_names("ssn", word=True)
    assert is_secret_name("user_ssn")
    assert is_secret_name("SSN")
    assert is_secret_name("userSsn")
    assert not is_secret_name("classname")


@pytest.mark.usefixtures("restore_names")
def test_adding_a_name_twice_changes_nothing() -> None:
    add_secret_names("iban")
    fragments = masking._fragments
    add_secret_names("iban")
    assert masking._fragments == fragments


@pytest.mark.parametrize("name", ["", "api-key", "a b", "(x)"])
def test_added_names_are_letters_and_digits(name: str) -> None:
    with pytest.raises(ValueError, match=r"letters and digits only"):
        add_secret_names(name)


def test_added_names_are_strings() -> None:
    with pytest.raises(TypeError, match=r"got b'iban' \(bytes\)"):
        add_secret_names(b"iban")  # type: ignore[arg-type]


@pytest.mark.usefixtures("restore_names")
def test_the_guide_example_runs_as_written() -> None:
    guide = Path(__file__).parents[1] / "docs" / "guides" / "auth.md"
    [example] = [
        block
        for block in re.findall(
            r"```python\n(.*?)```", guide.read_text(encoding="utf-8"), flags=re.S
        )
        if "add_secret_names" in block
    ]
    *code, call, shown = example.strip().splitlines()
    namespace: dict[str, Any] = {}
    exec("\n".join(code), namespace)
    assert eval(call, namespace) == ast.literal_eval(shown.removeprefix("# "))

"""A hypothesis strategy for data with secrets hidden at random depths.

Every secret value holds the text :data:`SECRET` and every value that must
survive masking holds :data:`PUBLIC`: a test masks a drawn tree and checks
that no ``SECRET`` is left anywhere and that every ``PUBLIC`` outside a
secret is still there. Names (kept by masking) never hold either text.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from fastdjango.masking import SECRET_FRAGMENTS, SECRET_WORDS

SECRET = "!hidden!"  # no name can hold "!": names are kept, values masked
PUBLIC = "!shown!"
PLAIN_NAMES = ("username", "email", "remember", "next", "form", "shipping", "spinner", "hotpot")


def _random_case(draw: st.DrawFn, word: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(c.upper() if up else c for c, up in zip(word, flips, strict=True))


@st.composite
def secret_names(draw: st.DrawFn) -> str:
    """A secret name from the built-in rule, in random case, maybe inside a longer name."""
    core = _random_case(draw, draw(st.sampled_from(SECRET_FRAGMENTS + SECRET_WORDS)))
    prefix = draw(st.sampled_from(["", "user_", "X-", "new.", "my "]))
    suffix = draw(st.sampled_from(["", "_1", "-code", "2"]))
    return prefix + core + suffix


@st.composite
def trees(draw: st.DrawFn, depth: int = 0) -> tuple[Any, int]:
    """A value of nested dicts, lists, tuples and pairs, and how many PUBLIC leaves must survive."""
    kinds = ["leaf", "pair"] if depth >= 4 else ["leaf", "pair", "dict", "list", "tuple"]
    kind = draw(st.sampled_from(kinds))
    if kind == "leaf":
        return PUBLIC, 1
    if kind == "pair":
        text: str = draw(secret_names())
        name: str | bytes = text
        value: Any = SECRET
        if draw(st.booleans()):
            name, value = text.encode(), SECRET.encode()
        elif draw(st.booleans()):
            value = [SECRET, draw(trees(depth + 1))[0]]
        return (list if draw(st.booleans()) else tuple)((name, value)), 0
    if kind == "dict":
        return draw(mappings(depth))
    children = draw(st.lists(trees(depth + 1), max_size=4))
    publics = sum(count for _, count in children)
    items = [child for child, _ in children]
    return (items if kind == "list" else tuple(items)), publics


@st.composite
def mappings(draw: st.DrawFn, depth: int = 0) -> tuple[dict[str, Any], int]:
    """A dict of plain and secret names (usable as keyword credentials), and its PUBLIC count."""
    mapping: dict[str, Any] = {}
    publics = 0
    for index, (child, count) in enumerate(draw(st.lists(trees(depth + 1), max_size=4))):
        if draw(st.booleans()):
            mapping[f"{draw(secret_names())}{index}"] = [SECRET, child]
        else:
            mapping[f"{draw(st.sampled_from(PLAIN_NAMES))}{index}"] = child
            publics += count
    return mapping, publics


def assert_masked(text: str, publics: int) -> None:
    """No secret left in ``text``, and every public value still in it."""
    assert SECRET not in text
    assert text.count(PUBLIC) == publics

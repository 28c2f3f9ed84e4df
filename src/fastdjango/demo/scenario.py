"""The scripted scenario: real HTTP calls to the running demo, step by step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from .database import DemoError
from .journal import Effect, Journal, Sent

__all__ = ["STEPS", "Step", "StepResult", "drive"]


@dataclass(frozen=True)
class Step:
    """One HTTP call of the scenario and the status it must answer."""

    title: str
    method: str
    path: str
    json: Any = None
    expect: int = 200


#: Ada signs up, logs in, orders, writes and tags a post, a comment is made
#: and the post deleted (with its comment), someone fails to log in, Ada
#: leaves, and an endpoint fails.
STEPS = (
    Step(
        "Create a user",
        "POST",
        "/users",
        {"username": "ada", "email": "ada@example.com", "password": "correct horse"},
        201,
    ),
    Step("Log in", "POST", "/login", {"username": "ada", "password": "correct horse"}),
    Step("Place an order", "POST", "/orders", {"item": "signal flag", "quantity": 2}, 201),
    Step("Write a post", "POST", "/posts", {"title": "Signals in async Python"}, 201),
    Step("Tag the post", "POST", "/posts/1/tags", {"tags": ["python", "signals"]}),
    Step("Comment on the post", "POST", "/posts/1/comments", {"text": "Nice one!"}, 201),
    Step("Delete the post (its comment goes with it)", "DELETE", "/posts/1"),
    Step("Fail a login", "POST", "/login", {"username": "ada", "password": "hunter2"}, 401),
    Step("Log out", "POST", "/logout"),
    Step("Hit an endpoint that fails", "GET", "/boom", expect=500),
)


@dataclass(frozen=True)
class StepResult:
    """A step, the response it got, and everything signalled meanwhile."""

    step: Step
    status: int
    body: Any
    entries: list[Sent | Effect]


async def drive(
    base_url: str, journal: Journal, steps: tuple[Step, ...] = STEPS
) -> tuple[list[StepResult], list[dict[str, Any]]]:
    """Run ``steps`` against the app at ``base_url``; return the results and the audit log.

    Raises:
        DemoError: a step answered another status than expected.
    """
    results: list[StepResult] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        for step in steps:
            start = len(journal.entries)
            response = await http.request(step.method, step.path, json=step.json)
            await journal.settle()
            json = response.headers.get("content-type", "").startswith("application/json")
            body = response.json() if json else response.text
            if response.status_code != step.expect:
                raise DemoError(
                    f"step {step.title!r}: {step.method} {step.path} answered "
                    f"{response.status_code} (expected {step.expect}): {body}"
                )
            results.append(StepResult(step, response.status_code, body, journal.entries[start:]))
        audit = (await http.get("/audit")).json()
        await journal.settle()
    return results, audit

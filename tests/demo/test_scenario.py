"""The scripted scenario, run for real: every signal kind, its arguments, the audit log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from starlette.requests import Request

from fastdjango.contrib.asgi import SignalsMiddleware
from fastdjango.contrib.auth import MASK, SENDER
from fastdjango.contrib.tortoise import Through
from fastdjango.demo import DemoRun, Effect, Sent, order_placed, run_demo
from fastdjango.demo.app import DemoFailure
from fastdjango.demo.models import Comment, Order, Post, Profile, Tag, User

from .conftest import own_postgres_database


@pytest_asyncio.fixture(
    scope="module",
    loop_scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
async def run(request: pytest.FixtureRequest) -> AsyncIterator[DemoRun]:
    """One scripted run per database, shared by this module's tests."""
    if request.param == "sqlite":
        yield await run_demo(None)
        return
    async with own_postgres_database() as url:
        yield await run_demo(url)


def sends(run: DemoRun, step: int) -> list[Sent]:
    """The sends of step ``step`` (1-based), as the report numbers them."""
    return [entry for entry in run.results[step - 1].entries if isinstance(entry, Sent)]


def effects(run: DemoRun, step: int) -> list[str]:
    """What the receivers noted during step ``step``; the last is ``on_request_end``'s."""
    entries = run.results[step - 1].entries
    return [f"{e.receiver}: {e.text}" for e in entries if isinstance(e, Effect)]


def inner(run: DemoRun, step: int) -> list[tuple[str, Any]]:
    """(signal, sender) of a step's sends, without its request_started / finished."""
    return [(sent.signal, sent.sender) for sent in sends(run, step)[1:-1]]


def test_every_step_answers_and_is_one_request(run: DemoRun) -> None:
    assert [(r.step.title, r.status) for r in run.results] == [
        ("Create a user", 201),
        ("Log in", 200),
        ("Place an order", 201),
        ("Write a post", 201),
        ("Tag the post", 200),
        ("Comment on the post", 201),
        ("Delete the post (its comment goes with it)", 200),
        ("Fail a login", 401),
        ("Log out", 200),
        ("Hit an endpoint that fails", 500),
    ]
    for number, result in enumerate(run.results, 1):
        started, *_, finished = sends(run, number)
        assert (started.signal, finished.signal) == ("request_started", "request_finished")
        assert started.sender is finished.sender is SignalsMiddleware
        assert started.kwargs["scope"] is finished.kwargs["scope"]
        scope = started.kwargs["scope"]
        assert (scope["method"], scope["path"]) == (result.step.method, result.step.path)


def test_model_signals(run: DemoRun) -> None:
    using = run.lines[0].split("(connection '")[1].split("'")[0]
    assert using in ("sqlite", "postgres")
    assert inner(run, 1) == [
        ("pre_save", User),
        ("post_save", User),
        ("pre_save", Profile),
        ("post_save", Profile),
    ]
    saved = sends(run, 1)[2]
    assert saved.kwargs["instance"].username == "ada"
    assert {k: saved.kwargs[k] for k in ("created", "raw", "using", "update_fields")} == {
        "created": True,
        "raw": False,
        "using": using,
        "update_fields": None,
    }
    # The report shows each instance as it was sent: no primary key yet in pre_save.
    assert sends(run, 1)[1].text.startswith("sender=User  instance=User#None('ada')")
    assert inner(run, 4) == [("pre_save", Post), ("post_save", Post)]
    assert inner(run, 6) == [("pre_save", Comment), ("post_save", Comment)]

    assert inner(run, 7) == [
        ("pre_delete", Comment),
        ("pre_delete", Post),
        ("post_delete", Comment),
        ("post_delete", Post),
    ]
    post = sends(run, 7)[2].kwargs["instance"]
    assert isinstance(post, Post)
    for sent in sends(run, 7)[1:-1]:
        assert sent.kwargs["origin"] is post
        assert sent.kwargs["using"] == using


def test_m2m_changed_on_post_tags_through(run: DemoRun) -> None:
    through = Post.tags.through  # type: ignore[attr-defined]
    assert isinstance(through, Through)
    assert inner(run, 5) == [
        ("pre_save", Tag),
        ("post_save", Tag),
        ("pre_save", Tag),
        ("post_save", Tag),
        ("m2m_changed", through),
        ("m2m_changed", through),
    ]
    for sent, action in zip(sends(run, 5)[5:7], ["pre_add", "post_add"], strict=True):
        assert sent.kwargs["action"] == action
        assert sent.kwargs["reverse"] is False
        assert sent.kwargs["model"] is Tag
        assert sent.kwargs["pk_set"] == {1, 2}
        assert sent.kwargs["instance"].title == "Signals in async Python"
    assert "on_tags_changed: posts per tag now: python=1, signals=1" in effects(run, 5)


def test_user_signals_and_seed_receivers(run: DemoRun) -> None:
    logged_in, *saves = inner(run, 2)
    assert logged_in == ("user_logged_in", User)
    assert saves == [("pre_save", User), ("post_save", User)]
    assert sends(run, 2)[3].kwargs["update_fields"] == frozenset({"last_login"})
    assert sends(run, 2)[3].kwargs["created"] is False
    assert inner(run, 8) == [("user_login_failed", SENDER)]
    assert sends(run, 8)[1].kwargs["credentials"] == {"username": "ada", "password": MASK}
    assert inner(run, 9) == [("user_logged_out", User)]
    for step in (2, 8, 9):
        request = sends(run, step)[1].kwargs["request"]
        assert isinstance(request, Request)
        assert request.client is not None
        assert request.client.host == "127.0.0.1"
    assert sends(run, 9)[1].kwargs["user"].username == "ada"
    assert effects(run, 2)[-3:-1] == [
        "log_save: AuditLog #3: User 1 update",
        "on_login: ada logged in from 127.0.0.1",
    ]
    assert "on_login_failed: failed login for 'ada' from 127.0.0.1" in effects(run, 8)
    assert "on_logout: ada logged out" in effects(run, 9)
    assert "hunter2" not in "\n".join(run.lines)


def test_order_placed_and_its_receivers(run: DemoRun) -> None:
    assert inner(run, 3) == [("pre_save", Order), ("post_save", Order), ("order_placed", Order)]
    placed = sends(run, 3)[3]
    assert placed.signal == order_placed.name
    assert placed.kwargs["order"].item == "signal flag"
    assert placed.kwargs["user"].email == "ada@example.com"
    # The durable receivers are not called by the request: their event is in the outbox.
    enqueued = effects(run, 3)[-4:-1]
    event = enqueued[0].split()[2]
    assert enqueued == [
        f"send_confirmation: event {event} in the outbox",
        f"notify_warehouse: event {event} in the outbox",
        f"sync_crm: event {event} in the outbox",
    ]
    # The worker ran them; the mail and the shipment are in the journal.
    assert [(mail.subject, mail.to) for mail in run.journal.outbox] == [
        ("Welcome!", ("ada@example.com",)),
        ("Order #1 confirmed", ("ada@example.com",)),
    ]
    assert run.journal.shipments == ["order #1: 2 x signal flag"]


def test_audit_log_rows(run: DemoRun) -> None:
    assert [(r["model"], r["object_id"], r["action"], r["changes"]) for r in run.audit] == [
        ("User", "1", "create", None),
        ("Profile", "1", "create", None),
        ("User", "1", "update", ["last_login"]),
        ("Order", "1", "create", None),
        ("Post", "1", "create", None),
        ("Tag", "1", "create", None),
        ("Tag", "2", "create", None),
        ("Comment", "1", "create", None),
        ("Comment", "1", "delete", None),
        ("Post", "1", "delete", None),
    ]
    assert [r["id"] for r in run.audit] == list(range(1, 11))
    # AuditLog's own saves are not reported: no signal has AuditLog as sender.
    sent = [entry for result in run.results for entry in result.entries]
    assert "AuditLog" not in {
        getattr(e.sender, "__name__", None) for e in sent if isinstance(e, Sent)
    }


def test_a_failing_endpoint_sends_got_request_exception(run: DemoRun) -> None:
    started, failed, finished = sends(run, 10)
    assert (failed.signal, failed.sender) == ("got_request_exception", SignalsMiddleware)
    assert failed.kwargs["scope"] is started.kwargs["scope"] is finished.kwargs["scope"]
    assert isinstance(failed.kwargs["exception"], DemoFailure)
    assert effects(run, 10) == [
        "on_request_start: GET /boom started",
        "on_request_exception: GET /boom failed: DemoFailure: this endpoint fails on purpose",
        "on_request_end: GET /boom finished",
    ]


def test_the_worker_delivers_retries_dead_letters_and_replays(run: DemoRun) -> None:
    start = next(
        n for n, line in enumerate(run.lines) if line.startswith("Durable receivers of order_")
    )
    section = run.lines[start : run.lines.index("", start)]
    event = section[6].split("event ")[1].split()[0]
    assert section[0].startswith("Durable receivers of order_placed, run by the worker (pid ")
    assert section[1:] == [
        "  send_confirmation  attempt 1: mailed 'Order #1 confirmed' to ada@example.com",
        "  notify_warehouse   attempt 1: shipment requested for order #1: 2 x signal flag",
        "  sync_crm           attempt 1: failed: ConnectionError: CRM unreachable",
        "  sync_crm           attempt 2: failed: ConnectionError: CRM unreachable",
        "  sync_crm           attempt 3: failed: ConnectionError: CRM unreachable",
        f"  dead letter (python -m fastdjango deliveries --dead): sync_crm of event {event} "
        "after 3 attempts: ConnectionError: CRM unreachable",
        f"  the CRM is back: replay {event} --receiver sync_crm (1 delivery queued again)",
        "  sync_crm           attempt 1: customer 'ada' synced to the CRM",
        "  the worker drained on SIGTERM and exited with status 0",
    ]
    assert f"send_confirmation: event {event} in the outbox" in effects(run, 3)

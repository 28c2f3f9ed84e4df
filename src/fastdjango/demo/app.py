"""The demo's FastAPI app: users, logins, orders, posts, tags, comments, the audit log."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel
from starlette.middleware.sessions import SessionMiddleware
from tortoise.transactions import in_transaction

from fastdjango.contrib.asgi import SignalsMiddleware
from fastdjango.contrib.auth import authenticate, get_user, login, logout, make_password
from fastdjango.durable import Enqueued

from .journal import note
from .models import AuditLog, Comment, Order, Post, Tag, User
from .receivers import order_placed

__all__ = ["ENDPOINTS", "make_app"]

#: What a person can call (``--serve`` prints these).
ENDPOINTS = (
    ("POST", "/users", '{"username", "email", "password"}', "sign up"),
    ("POST", "/login", '{"username", "password"}', "log in (session cookie)"),
    ("GET", "/me", "", "who is logged in"),
    ("POST", "/orders", '{"item", "quantity"}', "place an order (logged in)"),
    ("POST", "/posts", '{"title"}', "write a post (logged in)"),
    ("POST", "/posts/{id}/tags", '{"tags": [...]}', "tag a post"),
    ("POST", "/posts/{id}/comments", '{"text"}', "comment on a post"),
    ("DELETE", "/posts/{id}", "", "delete a post and its comments"),
    ("POST", "/logout", "", "log out"),
    ("GET", "/audit", "", "the audit log"),
    ("GET", "/boom", "", "fail on purpose (got_request_exception)"),
)


class DemoFailure(RuntimeError):
    """What ``GET /boom`` raises, so the demo shows ``got_request_exception``."""


class SignUp(BaseModel):
    username: str
    email: str
    password: str


class Credentials(BaseModel):
    username: str
    password: str


class NewOrder(BaseModel):
    item: str
    quantity: int = 1


class NewPost(BaseModel):
    title: str


class Tags(BaseModel):
    tags: list[str]


class NewComment(BaseModel):
    text: str


async def _user(request: Request) -> User:
    user = await get_user(request)
    if not isinstance(user, User):
        raise HTTPException(status_code=401, detail="Log in first: POST /login")
    return user


async def _post(post_id: int) -> Post:
    post = await Post.objects.get_or_none(pk=post_id)
    if post is None:
        raise HTTPException(status_code=404, detail=f"No post {post_id}")
    return post


def make_app(secret_key: str | None = None) -> FastAPI:
    """The demo app, with the request-signals and session middleware."""
    app = FastAPI(title="fastdjango demo")
    app.add_middleware(SessionMiddleware, secret_key=secret_key or secrets.token_urlsafe(32))
    app.add_middleware(SignalsMiddleware)

    @app.get("/")
    async def index() -> dict[str, Any]:
        return {"endpoints": [f"{method} {path}" for method, path, _, _ in ENDPOINTS]}

    @app.post("/users", status_code=201)
    async def sign_up(form: SignUp) -> dict[str, Any]:
        if await User.objects.filter(username=form.username).exists():
            raise HTTPException(status_code=409, detail=f"{form.username!r} is taken")
        user = await User.objects.create(
            username=form.username, email=form.email, password=make_password(form.password)
        )
        return {"id": user.pk, "username": user.username}

    @app.post("/login")
    async def do_login(request: Request, form: Credentials) -> dict[str, Any]:
        user = await authenticate(request, username=form.username, password=form.password)
        if user is None:  # user_login_failed was sent
            raise HTTPException(status_code=401, detail="Invalid credentials")
        await login(request, user)  # user_logged_in
        return {"id": user.pk}

    @app.post("/logout")
    async def do_logout(request: Request) -> dict[str, bool]:
        await logout(request)  # user_logged_out
        return {"logged_out": True}

    @app.get("/me")
    async def me(request: Request) -> dict[str, Any]:
        user = await _user(request)
        return {"id": user.pk, "username": user.username, "email": user.email}

    @app.post("/orders", status_code=201)
    async def place_order(request: Request, form: NewOrder) -> dict[str, Any]:
        user = await _user(request)
        async with in_transaction():  # the order and its durable event commit together
            order = await Order.objects.create(user=user, item=form.item, quantity=form.quantity)
            responses = await order_placed.send(sender=Order, order=order, user=user)
        for _, response in responses:
            if isinstance(response, Enqueued):
                note(response.receiver, f"event {response.event_id[:8]} in the outbox")
        return {"id": order.pk}

    @app.post("/posts", status_code=201)
    async def write_post(request: Request, form: NewPost) -> dict[str, Any]:
        post = await Post.objects.create(author=await _user(request), title=form.title)
        return {"id": post.pk}

    @app.post("/posts/{post_id}/tags")
    async def tag_post(post_id: int, form: Tags) -> dict[str, Any]:
        post = await _post(post_id)
        tags = [(await Tag.objects.get_or_create(name=name))[0] for name in form.tags]
        await post.tags.add(*tags)
        return {"tags": sorted(tag.name for tag in await post.tags.all())}

    @app.post("/posts/{post_id}/comments", status_code=201)
    async def comment(post_id: int, form: NewComment) -> dict[str, Any]:
        note = await Comment.objects.create(post=await _post(post_id), text=form.text)
        return {"id": note.pk}

    @app.delete("/posts/{post_id}")
    async def delete_post(post_id: int) -> dict[str, bool]:
        await (await _post(post_id)).delete()
        return {"deleted": True}

    @app.get("/boom")
    async def boom() -> None:
        raise DemoFailure("this endpoint fails on purpose")

    @app.get("/audit")
    async def audit() -> list[dict[str, Any]]:
        rows = await AuditLog.objects.all().order_by("id")
        return [
            {
                "id": row.pk,
                "model": row.model,
                "object_id": row.object_id,
                "action": row.action,
                "changes": row.changes,
            }
            for row in rows
        ]

    return app

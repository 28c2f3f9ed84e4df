"""The outbox of durable receivers on Tortoise's connection, and model snapshots.

:func:`install_outbox` (called by ``install()``) registers

* a :class:`TortoiseOutbox` over the default connection (the first one
  configured): a durable send inside ``in_transaction()`` writes its event
  through the transaction's connection, so a rollback removes it;
* a :class:`TortoiseModels` codec: model instances travel as snapshots of
  their columns and arrive as instances of their model (no query, so also
  after a delete);
* the outbox table in ``generate_schemas()`` (``Tortoise``'s and
  ``TortoiseContext``'s): it creates ``fastdjango_outbox`` (see
  ``fastdjango.durable._schema``) on that connection too, with no module to
  add to Tortoise's ``modules``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import tortoise
import tortoise.utils
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.connection import get_connections
from tortoise.models import Model

from fastdjango.core.signals import resolve_alias
from fastdjango.durable._codec import register_model_codec
from fastdjango.durable._outbox import Dialect, register_outbox
from fastdjango.durable._schema import create_statements

from ._labels import label_of

__all__ = ["TortoiseModels", "TortoiseOutbox", "create_outbox_table", "install_outbox"]

_DIALECTS: Final[dict[str, Dialect]] = {"sqlite": "sqlite", "postgres": "postgresql"}
_MARK: Final = "__fastdjango_outbox__"


class TortoiseOutbox:
    """The outbox table on one Tortoise connection.

    Args:
        connection_name: Tortoise's name of the connection; default: the
            first one configured (resolved at each use, so it may be created
            before ``Tortoise.init``).
    """

    def __init__(self, connection_name: str | None = None) -> None:
        self.connection_name = connection_name

    def __repr__(self) -> str:
        return f"TortoiseOutbox({self.connection_name or 'default'})"

    def _name(self) -> str:
        if self.connection_name is not None:
            return self.connection_name
        config = get_connections().db_config
        if not config:
            raise RuntimeError(
                "The durable outbox needs Tortoise's connections: call "
                "'await Tortoise.init(...)' first."
            )
        return next(iter(config))

    def client(self) -> BaseDBAsyncClient:
        """The connection in use for the calling task (a transaction's, inside one)."""
        return get_connections().get(self._name())

    @property
    def dialect(self) -> Dialect:
        """``"sqlite"`` or ``"postgresql"``.

        Raises:
            RuntimeError: The connection is another database.
        """
        dialect = self.client().capabilities.dialect
        try:
            return _DIALECTS[dialect]
        except KeyError:
            raise RuntimeError(
                f"Durable receivers keep their outbox in SQLite or PostgreSQL; the Tortoise "
                f"connection {self._name()!r} is {dialect!r}."
            ) from None

    @property
    def location(self) -> str:
        """The connection's database, password masked."""
        config = get_connections().db_config.get(self._name(), {})
        credentials = config.get("credentials", {}) if isinstance(config, dict) else {}
        if "file_path" in credentials:
            return f"sqlite://{credentials['file_path']}"
        user = credentials.get("user", "")
        secret = ":***" if credentials.get("password") else ""
        host, port = credentials.get("host", ""), credentials.get("port", "")
        return f"postgres://{user}{secret}@{host}:{port}/{credentials.get('database', '')}"

    def in_transaction(self) -> bool:
        """Whether the calling task is inside a transaction of this connection."""
        try:
            return isinstance(self.client(), TransactionalDBClient)
        except Exception:  # not initialised: certainly no transaction
            return False

    async def execute(
        self, statement: str, parameters: Sequence[object]
    ) -> list[tuple[object, ...]]:
        """Run one statement on the calling task's connection and return its rows."""
        client = self.client()
        if "RETURNING" in statement or statement.lstrip().upper().startswith("SELECT"):
            if self.dialect == "postgresql":
                # Tortoise's asyncpg client drops the rows of UPDATE ... RETURNING.
                async with client.acquire_connection() as connection:
                    return [tuple(row) for row in await connection.fetch(statement, *parameters)]
            _, rows = await client.execute_query(statement, list(parameters))
            return [tuple(row) for row in rows]
        await client.execute_query(statement, list(parameters))
        return []


class TortoiseModels:
    """Snapshots of Tortoise model instances: their columns, restored without a query."""

    def snapshot(self, value: object) -> tuple[str, dict[str, Any]] | None:
        """``(label, {column: value})`` for a model instance, else None."""
        if not isinstance(value, Model):
            return None
        model = type(value)
        label = label_of(model)
        if label is None:
            return None
        projection = model._meta.fields_db_projection
        return label, {column: getattr(value, field) for field, column in projection.items()}

    def restore(self, label: str, fields: dict[str, Any]) -> object:
        """An instance of the model named ``label``, as it was at send time.

        Raises:
            LookupError: No Tortoise model has that label.
        """
        model = resolve_alias(label)
        if not (isinstance(model, type) and issubclass(model, Model)):
            raise LookupError(label)
        return model._init_from_db(**fields)


_outbox = TortoiseOutbox()
_models = TortoiseModels()


async def create_outbox_table(client: BaseDBAsyncClient | None = None) -> None:
    """Create the outbox table and its indexes if missing, on ``client``.

    What ``generate_schemas`` adds; default: the outbox's connection.
    """
    target = client or _outbox.client()
    dialect = _DIALECTS.get(target.capabilities.dialect)
    if dialect is None:
        return  # not a database the outbox can live in; the dialect check reports it
    for statement in create_statements(dialect):
        await target.execute_script(statement)


def install_outbox() -> None:
    """Register the outbox and model snapshots, and extend schema generation (idempotent).

    Both ``Tortoise.generate_schemas()`` and ``TortoiseContext.generate_schemas()``
    run ``tortoise.utils.generate_schema_for_client`` per connection; the
    wrapped one also creates the outbox table on the outbox's connection.
    """
    register_outbox(_outbox)
    register_model_codec(_models)
    original = tortoise.utils.generate_schema_for_client
    if getattr(original, _MARK, False):
        return

    async def generate_schema_for_client(client: BaseDBAsyncClient, safe: bool) -> None:
        await original(client, safe)
        if client.connection_name == _outbox.connection_name or (
            _outbox.connection_name is None
            and client.connection_name == next(iter(get_connections().db_config), None)
        ):
            await create_outbox_table(client)

    setattr(generate_schema_for_client, _MARK, True)
    tortoise.utils.generate_schema_for_client = generate_schema_for_client
    tortoise.generate_schema_for_client = generate_schema_for_client  # type: ignore[attr-defined]

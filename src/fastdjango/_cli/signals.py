"""``fastdjango signals``: every signal in the process and who receives it.

::

    python -m fastdjango signals --import myapp.signals [--import ...] [--json]

The listed modules are imported first (from the current directory), exactly
as the application would import them; then every signal alive in the
process -- built-in and user-defined -- is listed with its
``providing_args`` and its receivers in call order. A signal without a
``name`` is named after the module attribute it is bound to (see
:mod:`fastdjango._cli._names`).

Exit status: 0, or 2 when an ``--import`` fails (the message on stderr names
the module and the error) or the command line is wrong.

``--json`` prints one object, stable across releases (``version`` changes
only if a key changes meaning or disappears)::

    {"version": 1,
     "signals": [
       {"name": "order_placed",            # Signal.name, else the attribute name, else null
        "module": "myapp.signals",         # the module defining it, or null
        "bound_to": ["myapp.signals.order_placed", ...],  # every module attribute bound to it
        "builtin": false,
        "providing_args": ["order", "user"],
        "concurrent": false,
        "repr": "<Signal at 0x7f...>",
        "receivers": [                      # in call order: priority, then connection order
          {"receiver": "myapp.signals:send_confirmation",  # module:qualname
           "kind": "function",              # function, bound method, partial,
                                            # callable object, class; null when dead
           "file": "/srv/myapp/signals.py", "line": 12,    # null when unknown or dead
           "sender": "myapp.models.Order",  # null: any sender
           "sender_target": null,           # what a sender label resolves to
           "weak": true, "dispatch_uid": null,  # a non-string uid is given as its repr()
           "priority": 0, "async": true, "on_commit": false,
           "durable": null,                 # a durable receiver's name
           "alive": true,
           "collected": null}]}]}           # "receiver" or "sender" when dead
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ._collect import collect
from ._imports import import_modules
from ._render import render_table, to_json

__all__ = ["add_parser", "run"]


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register the ``signals`` command."""
    parser = commands.add_parser(
        "signals",
        help="list every signal and its receivers",
        description=(
            "List every signal known to the process, its arguments and each receiver "
            "(module:qualname, file:line, sender, weak or strong, dispatch_uid, priority, "
            "sync or async, on_commit). Dead weak receivers are flagged."
        ),
    )
    parser.add_argument(
        "--import",
        dest="modules",
        metavar="MODULE",
        action="extend",
        nargs="+",
        default=[],
        help="import this module first (the one that connects your receivers); repeatable",
    )
    parser.add_argument("--json", action="store_true", help="print JSON for tools")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Import ``args.modules``, then print the listing; return the exit status."""
    error = import_modules(args.modules)
    if error is not None:
        print(f"fastdjango signals: error: {error}", file=sys.stderr)
        return 2
    signals = collect()
    if args.json:
        print(json.dumps(to_json(signals), indent=2))
    else:
        print(render_table(signals), end="")
    return 0

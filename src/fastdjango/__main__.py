"""``python -m fastdjango``: see :mod:`fastdjango._cli` (and ``--help``)."""

from __future__ import annotations

from fastdjango._cli import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())

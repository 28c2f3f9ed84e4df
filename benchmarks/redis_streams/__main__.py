"""``python -m benchmarks.redis_streams``."""

import sys

from .run import main

sys.exit(main())

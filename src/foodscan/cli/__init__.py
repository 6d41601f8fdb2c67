"""The ``foodscan`` command line, one module per command group.

``main`` assembles the commands and runs the server-side ones (serve, worker, migrate, token);
``scan`` holds the client commands (scan, jobs, inspect) and ``tables`` their output; ``catalog``
the product catalogue. The CLI is an edge: it builds objects (settings, the app) and calls
``asyncio.run``; nothing below imports it.
"""

from __future__ import annotations

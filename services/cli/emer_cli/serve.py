"""``emer serve NAME`` without the rest of the command line: what each child process of the
local stack runs (``python -m emer_cli.serve NAME``).

The full CLI imports typer, rich and every sub-app (export, scoring, k8s); five service
processes starting at once on a small machine would each pay for that before loading their
models. This module imports only the service's own settings and entry point.
"""

from __future__ import annotations

import asyncio
import sys

from emer_common.errors import EmerError
from emer_common.logging_setup import configure_logging
from emer_common.service_config import CommonConfig
from emer_common.services import service_spec


def serve(name: str) -> int:
    """Run the service called ``name`` until SIGTERM; the exit status (1 when it stopped on
    an error, which is printed)."""
    spec = service_spec(name)
    settings = spec.load_settings()
    configure_logging(getattr(settings, "log_level", "INFO"))
    try:
        asyncio.run(spec.load_entry_point()(settings, CommonConfig()))
    except KeyboardInterrupt:
        pass
    except EmerError as error:
        print(f"the {name} service stopped: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1]))

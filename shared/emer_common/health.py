"""A minimal HTTP endpoint for Kubernetes probes and Prometheus.

``/livez``: the process runs. ``/readyz``: connected to NATS and the models are loaded.
``/metrics``: the process's Prometheus metrics (emer_common.metrics).
Plain asyncio streams: three fixed routes do not justify a web framework dependency.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from emer_common import metrics

Check = Callable[[], bool]


class HealthServer:
    def __init__(
        self, port: int, ready: Check, live: Check | None = None, host: str = "0.0.0.0"
    ) -> None:
        self.port = port
        """The listening port; a requested 0 becomes the free port the system chose."""
        self.host = host
        self.ready = ready
        self.live = live or (lambda: True)
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        metrics.set_build_info()
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await asyncio.wait_for(reader.readline(), timeout=5)
            path = request_line.decode(errors="replace").split(" ")[1:2]
            route = path[0] if path else ""
            if route.startswith("/metrics"):
                _respond(writer, b"200 OK", metrics.METRICS_CONTENT_TYPE, metrics.exposition())
                return
            if route.startswith("/readyz"):
                healthy = self.ready()
            elif route.startswith("/livez") or route.startswith("/healthz"):
                healthy = self.live()
            else:
                writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                return
            body = b"ok" if healthy else b"not ready"
            status = b"200 OK" if healthy else b"503 Service Unavailable"
            _respond(writer, status, "text/plain", body)
        except (TimeoutError, ConnectionError):
            pass
        finally:
            with contextlib.suppress(Exception):
                await writer.drain()
                writer.close()


def _respond(writer: asyncio.StreamWriter, status: bytes, content_type: str, body: bytes) -> None:
    writer.write(
        b"HTTP/1.1 "
        + status
        + b"\r\nContent-Type: "
        + content_type.encode()
        + b"\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )

"""How many messages a stream holds per subject, read in one JetStream API call per page.

``STREAM.INFO`` with a ``subjects_filter`` answers with a map of subject to message count;
the server returns at most a page of subjects per reply (100 000 on nats-server 2.10) and
says how many there are in all, so large streams are read page by page. nats-py's
``stream_info`` sends the filter but reads only the first page.
"""

from __future__ import annotations

import json

from nats.js import JetStreamContext


async def subject_counts(js: JetStreamContext, stream: str, subjects_filter: str) -> dict[str, int]:
    """Messages per subject of ``stream`` among the subjects matching ``subjects_filter``."""
    counts: dict[str, int] = {}
    offset = 0
    while True:
        request = {"subjects_filter": subjects_filter, "offset": offset}
        reply = await js._api_request(
            f"{js._prefix}.STREAM.INFO.{stream}",
            json.dumps(request).encode(),
            timeout=js._timeout,
        )
        page = (reply.get("state") or {}).get("subjects") or {}
        counts.update({subject: int(n) for subject, n in page.items()})
        offset += len(page)
        total = int(reply.get("total") or 0)
        if not page or offset >= total:
            return counts

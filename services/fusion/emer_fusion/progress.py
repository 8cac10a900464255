"""When did a modality's service last make progress? Fusion's deadline counts from then.

A deadline counted from a clip's first clue report would give up on a modality that is
merely behind: in a large batch the text service may answer at once while the visual queue
holds hours of work. So fusion waits while the missing modality's consumers keep acking
messages, and the deadline runs only once they stand still (service down, stuck, scaled to
zero).
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from nats.js import JetStreamContext

from emer_common.bus.topology import Service, Topology
from emer_common.contracts import Modality

CONSUMERS_OF: Mapping[Modality, tuple[Service, ...]] = {
    Modality.VISUAL: (Service.VISUAL,),
    Modality.AUDIO: (Service.AUDIO,),
    # subtitle-less clips are answered from the audio service's transcripts
    Modality.TEXT: (Service.TEXT, Service.TEXT_TRANSCRIPTS),
}
REFRESH_S = 1.0  # consumer info is read at most this often per modality


class ConsumerProgress:
    """Tracks the ack floor of each modality's durable consumers."""

    def __init__(self, js: JetStreamContext, topology: Topology) -> None:
        self.js = js
        self.topology = topology
        self._floors: dict[Modality, tuple[int, ...]] = {}
        self._moved_at: dict[Modality, float] = {}
        self._checked_at: dict[Modality, float] = {}

    async def last_progress(self, modality: Modality) -> float:
        """Wall-clock time at which the modality's consumers last acked something new."""
        now = time.time()
        if now - self._checked_at.get(modality, 0.0) >= REFRESH_S:
            self._checked_at[modality] = now
            floors = []
            for service in CONSUMERS_OF[modality]:
                spec = self.topology.consumer(service)
                info = await self.js.consumer_info(spec.stream, spec.durable)
                floors.append(info.ack_floor.stream_seq if info.ack_floor else 0)
            if tuple(floors) != self._floors.get(modality):
                self._floors[modality] = tuple(floors)
                self._moved_at[modality] = now
        return self._moved_at.get(modality, now)

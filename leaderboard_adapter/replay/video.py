"""VideoWriter: BGR uint8 frames of one size written to an .mp4 file through OpenCV (codec 'mp4v')."""

from __future__ import annotations

import math
from pathlib import Path
from types import TracebackType

import cv2
import numpy as np

from leaderboard_adapter.errors import AdapterError

CODEC = "mp4v"
"""The FourCC handed to `cv2.VideoWriter` (MPEG-4 part 2, in every opencv-python wheel)."""


class VideoWriterError(AdapterError):
    """The video file cannot be written; the message names the file and the codec."""


class VideoWriter:
    """Writes frames to `path` at `fps` frames per second; use as a context manager.

    The file is opened at the first frame, whose size every later frame must have; MPEG-4
    needs an even width and height. A video of no frames leaves no file.
    """

    def __init__(self, path: Path | str, fps: float = 20.0):
        self.path = Path(path)
        if not (math.isfinite(fps) and fps > 0):
            raise ValueError(f"fps must be a positive number, got {fps!r}")
        if self.path.suffix.lower() != ".mp4":
            raise VideoWriterError(f"cannot write video {str(self.path)!r}: the file name must end in .mp4")
        if not self.path.parent.is_dir():
            raise VideoWriterError(
                f"cannot write video {str(self.path)!r}: the folder {str(self.path.parent)!r} does not exist"
            )
        self.fps = fps
        self.frames_written = 0
        self._size: tuple[int, int] | None = None  # (width, height) [px]
        self._writer: cv2.VideoWriter | None = None
        self._closed = False

    def write(self, frame: np.ndarray) -> None:
        """Append one (height, width, 3) uint8 BGR frame."""
        if self._closed:
            raise VideoWriterError(f"video {str(self.path)!r} is closed; no more frames can be written")
        if (
            not isinstance(frame, np.ndarray)
            or frame.dtype != np.uint8
            or frame.ndim != 3
            or frame.shape[2] != 3
        ):
            got = (
                f"{frame.dtype} array of shape {frame.shape}"
                if isinstance(frame, np.ndarray)
                else type(frame).__name__
            )
            raise ValueError(
                f"video {str(self.path)!r}: a frame must be a (height, width, 3) uint8 BGR array, got a {got}"
            )
        size = (frame.shape[1], frame.shape[0])
        if self._writer is None:
            self._open(size)
        elif size != self._size:
            raise ValueError(
                f"video {str(self.path)!r}: frame {self.frames_written} is {size[0]}x{size[1]} px but the video is "
                f"{self._size[0]}x{self._size[1]} px; every frame must have the first frame's size"
            )
        self._writer.write(frame)
        self.frames_written += 1

    def _open(self, size: tuple[int, int]) -> None:
        width, height = size
        if width % 2 or height % 2:
            raise ValueError(
                f"video {str(self.path)!r}: frames are {width}x{height} px; MPEG-4 needs an even width and height"
            )
        writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*CODEC), self.fps, size)
        if not writer.isOpened():
            raise VideoWriterError(
                f"OpenCV cannot open {str(self.path)!r} for writing with codec {CODEC!r} ({width}x{height} px, "
                f"{self.fps} fps): check that the folder is writable and that this OpenCV build has an MPEG-4 encoder"
            )
        self._writer, self._size = writer, size

    def close(self) -> None:
        """Finish the file (idempotent)."""
        if self._writer is not None:
            self._writer.release()
            self._writer = None
        self._closed = True

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

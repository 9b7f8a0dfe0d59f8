"""The mp4 writer: frames come back from OpenCV in number, size and colour; bad paths and frames are named."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from leaderboard_adapter.replay import VideoWriter, VideoWriterError


def frame(value: int, width: int = 64, height: int = 48) -> np.ndarray:
    return np.full((height, width, 3), (value, 255 - value, 128), np.uint8)


def read_back(path: Path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image)
    capture.release()
    return frames


def test_frames_are_written_and_read_back_in_number_size_and_colour(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    with VideoWriter(path, fps=20) as video:
        for k in range(25):
            video.write(frame(10 * k))
    assert video.frames_written == 25
    capture = cv2.VideoCapture(str(path))
    assert capture.get(cv2.CAP_PROP_FPS) == pytest.approx(20.0)
    capture.release()
    frames = read_back(path)
    assert len(frames) == 25
    assert all(image.shape == (48, 64, 3) for image in frames)
    for k in (0, 12, 24):
        assert np.abs(frames[k].mean(axis=(0, 1)) - (10 * k, 255 - 10 * k, 128)).max() < 8  # lossy codec


def test_a_frame_of_another_size_is_refused(tmp_path: Path) -> None:
    with VideoWriter(tmp_path / "clip.mp4") as video:
        video.write(frame(0))
        with pytest.raises(ValueError, match=r"frame 1 is 32x48 px but the video is 64x48 px"):
            video.write(frame(0, width=32))
    assert len(read_back(tmp_path / "clip.mp4")) == 1


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.zeros((48, 64, 3), np.float32), "uint8 BGR array, got a float32 array of shape"),
        (np.zeros((48, 64), np.uint8), "got a uint8 array of shape \\(48, 64\\)"),
        (np.zeros((47, 64, 3), np.uint8), "64x47 px; MPEG-4 needs an even width and height"),
    ],
)
def test_frames_that_cannot_be_encoded_are_refused(tmp_path: Path, bad: np.ndarray, message: str) -> None:
    with VideoWriter(tmp_path / "clip.mp4") as video, pytest.raises(ValueError, match=message):
        video.write(bad)


def test_paths_that_cannot_be_written_are_named(tmp_path: Path) -> None:
    missing = tmp_path / "no_such_folder" / "clip.mp4"
    with pytest.raises(VideoWriterError, match=r"the folder .*no_such_folder' does not exist"):
        VideoWriter(missing)
    with pytest.raises(VideoWriterError, match=r"clip.avi'.*must end in .mp4"):
        VideoWriter(tmp_path / "clip.avi")
    taken = tmp_path / "taken.mp4"
    taken.mkdir()  # a folder where the file should go: OpenCV cannot open it
    with (
        VideoWriter(taken) as video,
        pytest.raises(VideoWriterError, match=r"OpenCV cannot open .*taken.mp4.* codec 'mp4v'"),
    ):
        video.write(frame(0))


def test_no_frame_no_file_and_no_frame_after_close(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    with VideoWriter(path) as video:
        pass
    assert not path.exists() and video.frames_written == 0
    with pytest.raises(VideoWriterError, match="is closed"):
        video.write(frame(0))
    with pytest.raises(ValueError, match="fps must be a positive number"):
        VideoWriter(path, fps=0)

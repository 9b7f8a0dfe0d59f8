"""Length-prefixed frames over a socket: pickle from the trusted parent, JSON back from the sandbox.

A frame is a 4-byte big-endian length and a payload. The parent never unpickles what a worker or the
template process sends: their frames are UTF-8 JSON, read with a size limit. Standard library only.
"""

from __future__ import annotations

import json
import pickle
import select
import socket
import struct
from typing import Any

HEADER = struct.Struct(">I")


class ChannelClosed(EOFError):
    """The other end has gone (process exited or was killed)."""


class FrameTooLarge(ValueError):
    """A frame announced more bytes than the reader accepts."""


def _frame(payload: bytes) -> bytes:
    return HEADER.pack(len(payload)) + payload


def send_pickle(sock: socket.socket, message: Any) -> None:
    """Send a pickled message (parent to sandbox only: the sandbox trusts its parent)."""
    sock.sendall(_frame(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)))


def send_json(sock: socket.socket, message: Any) -> None:
    """Send a JSON message (sandbox to parent). NaN and infinities are allowed, as Python's json writes them."""
    send_text(sock, json.dumps(message, separators=(",", ":")))


def send_text(sock: socket.socket, text: str) -> None:
    """Send JSON already written as text."""
    sock.sendall(_frame(text.encode()))


class FrameReader:
    """Reads whole frames from ``sock``; refuses frames larger than ``max_frame_bytes``."""

    def __init__(self, sock: socket.socket, max_frame_bytes: int) -> None:
        self.sock = sock
        self.max_frame_bytes = max_frame_bytes
        self._buffer = bytearray()

    def recv_bytes(self, timeout_s: float | None = None) -> bytes:
        """The next frame's payload; TimeoutError if none is complete within ``timeout_s``."""
        while True:
            if len(self._buffer) >= HEADER.size:
                (size,) = HEADER.unpack_from(self._buffer)
                if size > self.max_frame_bytes:
                    raise FrameTooLarge(f"a frame of {size} bytes (limit {self.max_frame_bytes})")
                end = HEADER.size + size
                if len(self._buffer) >= end:
                    payload = bytes(self._buffer[HEADER.size : end])
                    del self._buffer[:end]
                    return payload
            if timeout_s is not None:
                ready, _, _ = select.select([self.sock], [], [], timeout_s)
                if not ready:
                    raise TimeoutError("no message within the timeout")
            try:
                chunk = self.sock.recv(1 << 20)
            except ConnectionError as exc:
                raise ChannelClosed(str(exc)) from exc
            if not chunk:
                raise ChannelClosed("the other end of the channel closed")
            self._buffer += chunk

    def recv_json(self, timeout_s: float | None = None) -> Any:
        """The next frame decoded as JSON; ValueError (a protocol violation) if it is not JSON."""
        payload = self.recv_bytes(timeout_s)
        try:
            return json.loads(payload)
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"a frame that is not JSON ({type(exc).__name__}: {str(exc)[:200]})") from None

    def recv_pickle(self, timeout_s: float | None = None) -> Any:
        """The next frame unpickled: only for frames from the trusted parent."""
        return pickle.loads(self.recv_bytes(timeout_s))

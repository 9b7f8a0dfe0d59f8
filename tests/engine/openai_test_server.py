"""Test double: a local OpenAI-compatible HTTP server for /v1/chat/completions with scripted answers.

Real HTTP on 127.0.0.1 with an ephemeral port, so the real ``openai`` client talks to it.
Reusable by any test: ``with OpenAITestServer(responder) as server: LLMConfig(base_url=server.base_url)``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[dict[str, Any]], list[str]]
"""Given the request body, return ``n`` answer texts."""


@dataclass(frozen=True)
class RawReply:
    """A scripted reply sent as it is: any status, content type and body (e.g. a 200 that is no chat completion)."""

    body: bytes
    content_type: str = "application/json"
    status: int = 200


@dataclass(frozen=True)
class NoAnswer:
    """A scripted request that is read and never answered: the server holds it until it closes, or
    ``give_up_s`` [s] have passed, and then answers 504 (so a client without a timeout fails, not hangs)."""

    give_up_s: float = 60.0


NO_ANSWER = NoAnswer()
Fault = int | RawReply | NoAnswer | None
"""One scripted reply of ``OpenAITestServer.failures``: an HTTP error status, a raw reply, no answer at
all, or None (answer normally)."""


def last_user_message(body: dict[str, Any]) -> str:
    return next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user")


def scripted(answers: list[str]) -> Responder:
    """Answers handed out in order, ``n`` per request; the last one repeats when they run out."""
    remaining = list(answers)
    lock = threading.Lock()

    def respond(body: dict[str, Any]) -> list[str]:
        with lock:
            taken = [
                remaining.pop(0) if len(remaining) > 1 else remaining[0] for _ in range(body.get("n", 1))
            ]
        return taken

    return respond


def by_content(rules: list[tuple[str, list[str]]], default: list[str] | None = None) -> Responder:
    """The answers of the first rule whose marker is in the last user message (cycled to ``n``)."""

    def respond(body: dict[str, Any]) -> list[str]:
        prompt = last_user_message(body)
        answers = next((answers for marker, answers in rules if marker in prompt), default)
        if answers is None:
            raise AssertionError(f"no scripted answer for prompt:\n{prompt}")
        return [answers[i % len(answers)] for i in range(body.get("n", 1))]

    return respond


def fenced(source: str) -> str:
    return f"Here is the code:\n\n```python\n{source}```\n"


class OpenAITestServer:
    """Serves chat completions from a responder, records requests, can fail or hold requests on demand."""

    def __init__(self, responder: Responder | None = None) -> None:
        self.responder = responder or scripted(["```python\ndef f(x):\n    return x\n```"])
        self.requests: list[dict[str, Any]] = []
        self.failures: list[Fault] = []
        """Scripted replies, one per request in order, before answering normally (see :data:`Fault`)."""
        self.hold: Callable[[dict[str, Any]], bool] | None = None
        """When it returns True for a request body, the request waits until ``release`` is set."""
        self.release = threading.Event()
        self.held = threading.Event()
        self._lock = threading.Lock()
        self._seen = threading.Condition(self._lock)
        self._closing = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> OpenAITestServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._closing.set()
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def wait_for_requests(self, count: int, timeout_s: float = 30.0) -> int:
        """The number of requests received, once it is at least ``count`` (or ``timeout_s`` [s] passed)."""
        with self._seen:
            self._seen.wait_for(lambda: len(self.requests) >= count, timeout_s)
            return len(self.requests)

    def _answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | RawReply | None:
        """The status and JSON payload of the reply, a raw reply, or None to answer nothing."""
        with self._seen:
            self.requests.append(body)
            self._seen.notify_all()
            fault = self.failures.pop(0) if self.failures else None
        if isinstance(fault, RawReply):
            return fault
        if isinstance(fault, NoAnswer):
            if self._closing.wait(fault.give_up_s):
                return None
            fault = 504
        if fault is not None:
            return fault, {
                "error": {"message": f"scripted failure {fault}", "type": "server_error", "code": fault}
            }
        if self.hold is not None and self.hold(body):
            self.held.set()
            self.release.wait()
        texts = self.responder(body)
        prompt_tokens = sum(len(m["content"]) for m in body["messages"]) // 4 + 1
        completion_tokens = sum(len(t) // 4 + 1 for t in texts)
        return 200, {
            "id": f"chatcmpl-test-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [
                {"index": i, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}
                for i, t in enumerate(texts)
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if not self.path.endswith("/chat/completions"):
                    reply = 404, {"error": {"message": f"unknown path {self.path}"}}
                else:
                    reply = server._answer(body)
                if reply is None:
                    self.close_connection = True
                    return
                if not isinstance(reply, RawReply):
                    status, payload = reply
                    reply = RawReply(json.dumps(payload).encode(), "application/json", status)
                status = reply.status
                self.send_response(status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence request logs
                return

        return Handler

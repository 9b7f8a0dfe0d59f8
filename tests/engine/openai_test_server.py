"""Test double: a local OpenAI-compatible HTTP server for /v1/chat/completions with scripted answers.

Real HTTP on 127.0.0.1 with an ephemeral port, so the real ``openai`` client talks to it.
Reusable by any test: ``with OpenAITestServer(responder) as server: LLMConfig(base_url=server.base_url)``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[dict[str, Any]], list[str]]
"""Given the request body, return ``n`` answer texts."""


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
        self.failures: list[int] = []
        """HTTP statuses returned, one per request, before answering normally."""
        self.hold: Callable[[dict[str, Any]], bool] | None = None
        """When it returns True for a request body, the request waits until ``release`` is set."""
        self.release = threading.Event()
        self.held = threading.Event()
        self._lock = threading.Lock()
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
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(body)
            status = self.failures.pop(0) if self.failures else 200
        if status != 200:
            return status, {
                "error": {"message": f"scripted failure {status}", "type": "server_error", "code": status}
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
                    status, payload = 404, {"error": {"message": f"unknown path {self.path}"}}
                else:
                    status, payload = server._answer(body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence request logs
                return

        return Handler

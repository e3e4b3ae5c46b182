"""A local HTTP server that answers from a script and records what it received."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Answer = tuple[int, bytes]


class FakeServer:
    """``answers`` are used in order (the last one repeats); ``down`` closes connections."""

    def __init__(self, answers: list[Answer] | Callable[[dict[str, Any]], Answer] | None = None) -> None:
        self.answers = answers if answers is not None else [(200, b'{"errcode":0}')]
        self.requests: list[dict[str, Any]] = []
        self.down = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if server.down:
                    self.close_connection = True
                    self.connection.close()
                    return
                parts = urlsplit(self.path)
                record = {
                    "method": self.command,
                    "path": parts.path,
                    "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body,
                }
                server.requests.append(record)
                status, content = server._answer(record)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_POST = do_GET = do_PUT = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _answer(self, record: dict[str, Any]) -> Answer:
        if callable(self.answers):
            return self.answers(record)
        index = min(len(self.requests) - 1, len(self.answers) - 1)
        return self.answers[index]

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

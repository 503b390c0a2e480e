"""A tiny threaded WSGI server with fault injection, shared by every network stand-in.

Each stand-in is a context manager serving on 127.0.0.1 with an ephemeral port:

    with MastodonStandIn(token="t") as m:
        m.add_mentions(120)
        m.rate_limit_next(reset_in=30)   # next request: 429 with the network's headers
        m.fail_next(500, n=3)            # then three 500s
        m.slow_next(delay=0.5)           # then one response slower than the client timeout
        m.malformed_next()               # then one 200 with a truncated JSON body
        ...  m.base_url ...  m.requests ...

Faults are consumed in order by requests whose path matches `path` (default: any
request the stand-in serves, except auth endpoints a subclass marks as exempt).
`clock` sets the stand-in's idea of now, so reset headers agree with a fake clock.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

Response = tuple[int, dict[str, str], bytes]


@dataclass
class Fault:
    kind: str  # status | rate_limit | slow | malformed
    status: int = 500
    reset_in: float = 60.0
    delay: float = 0.0
    path: str = ""
    after: int = 0  # matching requests to let through before this fault fires


@dataclass
class Request:
    """One request as the stand-in saw it (for assertions)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    served_at: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode()).items()}

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default


@dataclass
class _Route:
    method: str
    prefix: str
    handler: Callable[..., Response]
    exact: bool = True


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body).encode()


@dataclass
class StandIn:
    """Base class: routing, request log, fault queue, lifecycle."""

    clock: Callable[[], float] = time.time
    requests: list[Request] = field(default_factory=list, init=False)
    _faults: deque = field(default_factory=deque, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _server: _Server | None = field(default=None, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    # --- lifecycle -------------------------------------------------------------------
    def start(self) -> StandIn:
        self._server = make_server(
            "127.0.0.1", 0, self._wsgi, server_class=_Server, handler_class=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):  # noqa: ANN204 - returns the subclass
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "stand-in not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # --- fault injection ---------------------------------------------------------------
    def fail_next(self, status: int = 500, n: int = 1, path: str = "", after: int = 0) -> None:
        """The next `n` matching requests (after letting `after` through) answer `status` with
        the network's error body."""
        with self._lock:
            self._faults.extend(Fault("status", status=status, path=path, after=after) for _ in range(n))

    def rate_limit_next(self, reset_in: float = 60.0, n: int = 1, path: str = "", after: int = 0) -> None:
        """The next `n` matching requests (after letting `after` through) answer 429 with reset
        headers `reset_in` s ahead of the moment the 429 is served."""
        with self._lock:
            self._faults.extend(
                Fault("rate_limit", reset_in=reset_in, path=path, after=after) for _ in range(n)
            )

    def slow_next(self, delay: float = 1.0, n: int = 1, path: str = "") -> None:
        """The next `n` matching requests wait `delay` real seconds before answering."""
        with self._lock:
            self._faults.extend(Fault("slow", delay=delay, path=path) for _ in range(n))

    def malformed_next(self, n: int = 1, path: str = "") -> None:
        """The next `n` matching requests answer 200 with a truncated JSON body."""
        with self._lock:
            self._faults.extend(Fault("malformed", path=path) for _ in range(n))

    def calls(self, path_part: str = "") -> list[Request]:
        """Requests so far whose path contains `path_part`."""
        return [r for r in self.requests if path_part in r.path]

    # --- for subclasses --------------------------------------------------------------------
    def routes(self) -> Iterable[_Route]:
        return ()

    exempt_paths: tuple[str, ...] = ()

    def error_body(self, status: int) -> Response:
        return json_response(status, {"error": f"stand-in error {status}"})

    def rate_limited(self, reset_in: float) -> Response:
        return json_response(429, {"error": "Too many requests"}, {"Retry-After": str(int(reset_in))})

    def _take_fault(self, path: str) -> Fault | None:
        if any(path.startswith(p) or p in path for p in self.exempt_paths):
            return None
        with self._lock:
            for i, fault in enumerate(self._faults):
                if fault.path in path:
                    if fault.after > 0:
                        fault.after -= 1
                        return None
                    del self._faults[i]
                    return fault
        return None

    def _dispatch(self, req: Request) -> Response:
        for route in self.routes():
            match = req.path == route.prefix if route.exact else req.path.startswith(route.prefix)
            if req.method == route.method and match:
                return route.handler(req)
        return json_response(404, {"error": "Record not found"})

    def _wsgi(self, environ: dict, start_response: Callable) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        req = Request(
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", ""),
            parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            headers,
            body,
            self.clock(),
        )
        with self._lock:
            self.requests.append(req)
        fault = self._take_fault(req.path)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
            fault = None
        if fault is None:
            status, hdrs, payload = self._dispatch(req)
        elif fault.kind == "rate_limit":
            status, hdrs, payload = self.rate_limited(fault.reset_in)
        elif fault.kind == "malformed":
            status, hdrs, payload = 200, {"Content-Type": "application/json"}, b'{"truncated": [1, 2'
        else:
            status, hdrs, payload = self.error_body(fault.status)
        from http import HTTPStatus

        reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Unknown"
        start_response(f"{status} {reason}", [*hdrs.items(), ("Content-Length", str(len(payload)))])
        return [payload]


def route(method: str, prefix: str, handler: Callable[..., Response], exact: bool = True) -> _Route:
    return _Route(method, prefix, handler, exact)


@dataclass(frozen=True)
class Part:
    """One field of a multipart/form-data body: a file's name, type and bytes, or a value."""

    filename: str | None
    content_type: str
    data: bytes

    @property
    def value(self) -> str:
        return self.data.decode("utf-8", "replace")


def multipart(req: Request) -> dict[str, Part]:
    """The fields of a multipart/form-data request, parsed as a server would (stdlib email)."""
    import email
    import email.policy

    head = f"Content-Type: {req.headers.get('content-type', '')}\r\n\r\n".encode()
    form = email.message_from_bytes(head + req.body, policy=email.policy.default)
    out: dict[str, Part] = {}
    for p in form.iter_parts():
        name = p.get_param("name", header="content-disposition")
        out[str(name)] = Part(p.get_filename(), p.get_content_type(), p.get_payload(decode=True) or b"")
    return out

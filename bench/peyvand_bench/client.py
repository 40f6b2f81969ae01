"""A small HTTP/1.1 client over http.client: keep-alive, a session cookie and CSRF, as a browser
behind a TLS-terminating proxy would send them (X-Forwarded-Proto: https, because production
settings mark cookies Secure and Python's cookie jar would not send those over plain http)."""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

from .stats import percentile, summarize


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Client:
    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    default_headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 300.0

    def __post_init__(self) -> None:
        self._conn: http.client.HTTPConnection | None = None
        self.origin = f"https://{self.host}:{self.port}"

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        all_headers = {"X-Forwarded-Proto": "https", "Accept-Language": "fa"}
        all_headers.update(self.default_headers)
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        all_headers.update(headers or {})
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=all_headers)
                raw = conn.getresponse()
                data = raw.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed a kept-alive connection; retry once on a new one.
                self.close()
                if attempt == 2:
                    raise
        for header in raw.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        if raw.headers.get("Connection", "").lower() == "close":
            self.close()
        return Response(raw.status, data, {k.lower(): v for k, v in raw.headers.items()})

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def post_form(self, path: str, data: dict[str, str]) -> Response:
        body = urllib.parse.urlencode(data).encode()
        return self.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": self.origin + path,
            },
        )

    def post_json(self, path: str, payload: Any, headers: dict[str, str] | None = None) -> Response:
        return self.request(
            "POST",
            path,
            body=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    def login(self, username: str, password: str, path: str = "/accounts/login/") -> None:
        """Sign in through the login form (CSRF cookie + token), keeping the session cookie."""
        self.get(path)
        token = self.cookies.get("csrftoken")
        if not token:
            raise RuntimeError("the login page set no csrftoken cookie")
        r = self.post_form(
            path, {"username": username, "password": password, "csrfmiddlewaretoken": token}
        )
        if r.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login failed: HTTP {r.status}")


def timed_get(
    client: Client,
    path: str,
    n: int = 50,
    warmup: int = 3,
    headers: dict[str, str] | None = None,
    check: Callable[[Response], str | None] | None = None,
) -> dict[str, Any]:
    """The peers' method: `warmup` GETs, then `n` sequential timed GETs, each must be 200."""
    r = None
    for _ in range(warmup):
        r = client.get(path, headers=headers)
        if r.status != 200:
            raise RuntimeError(f"{path}: HTTP {r.status}")
    info = check(r) if check and r is not None else None
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = client.get(path, headers=headers)
        samples.append((time.perf_counter() - t0) * 1000)
        if r.status != 200:
            raise RuntimeError(f"{path}: HTTP {r.status}")
    return {"url": path, **summarize(samples), "bytes": len(r.body), "info": info}


def concurrent_load(
    make_client: Callable[[], Client],
    send: Callable[[Client, int, int], Response],
    clients: int = 8,
    seconds: float = 10.0,
) -> dict[str, Any]:
    """`clients` threads, each with its own keep-alive connection, call `send(client, thread,
    i)` in a loop for `seconds`. Requests/s, error count (non-2xx or exception), latency."""
    stop_at = time.perf_counter() + seconds
    lock = threading.Lock()
    samples: list[float] = []
    errors: list[str] = []

    def worker(k: int) -> None:
        client = make_client()
        i = 0
        mine: list[float] = []
        try:
            while time.perf_counter() < stop_at:
                t0 = time.perf_counter()
                try:
                    r = send(client, k, i)
                    ok = 200 <= r.status < 300
                    error = None if ok else f"HTTP {r.status}: {r.text[:200]}"
                except Exception as exc:  # a failed request is counted, not fatal
                    error = repr(exc)
                    client.close()
                mine.append((time.perf_counter() - t0) * 1000)
                if error:
                    with lock:
                        errors.append(error)
                i += 1
        finally:
            client.close()
            with lock:
                samples.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    result: dict[str, Any] = {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "requests": len(samples),
        "errors": len(errors),
        "rps": round(len(samples) / elapsed, 1) if elapsed else 0.0,
        "error_samples": errors[:5],
    }
    if samples:
        result["median_ms"] = summarize(samples)["median_ms"]
        result["p95_ms"] = round(percentile(samples, 95), 2)
    return result

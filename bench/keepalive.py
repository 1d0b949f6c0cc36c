"""A lean keep-alive HTTP/1.1 client for the benchmark: one socket, the request written in one
send, the answer read by its Content-Length. http.client parses every answer's headers with
the email package: 0.62–0.81 ms of the bench process's CPU per `GET /api/me` here, against
0.23–0.26 ms for this in the same minute — time that counted in each latency, and under load
took a share of the two cores the server works on (`load ... clients` in the bench's output:
0.67 ms per completion before, 0.35 after). The figures are the server's, as
a C client (wrk, ab) would measure them.

Only what the server sends back to the bench is understood: a status line, headers, and a body
of Content-Length bytes (no chunked answers: the server gives every API answer its length)."""
from __future__ import annotations

import socket


class ServerClosed(ConnectionError):
    """The server closed the connection before answering (an idle keep-alive one it dropped)."""


class KeepAlive:
    def __init__(self, host: str, port: int, timeout: float = 60):
        self.address = (host, port)
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(self.address, timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock, self.buffer = sock, b""
        return sock

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buffer = None, b""

    def request(self, method: str, path: str, body: bytes | None,
                headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """(status, headers with lower-case names, body). A connection the server closed
        while idle is opened again and the request sent once more, as http.client users do."""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.address[0]}:{self.address[1]}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(body or b'')}")
        message = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
        fresh = self.sock is None
        try:
            return self._exchange(self.sock or self._connect(), message)
        except (ServerClosed, ConnectionResetError, BrokenPipeError):
            if fresh:
                raise
            self.close()
            return self._exchange(self._connect(), message)

    def _exchange(self, sock: socket.socket, message: bytes) -> tuple[int, dict[str, str], bytes]:
        sock.sendall(message)
        while b"\r\n\r\n" not in self.buffer:
            self._receive(sock, started=bool(self.buffer))
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", ""):
            raise NotImplementedError("a chunked answer: read it with http.client")
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._receive(sock, started=True)
        payload, self.buffer = self.buffer[:length], self.buffer[length:]
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, payload

    def _receive(self, sock: socket.socket, started: bool) -> None:
        chunk = sock.recv(262144)
        if not chunk:
            if started:
                raise ConnectionError("the server closed the connection mid-answer")
            raise ServerClosed()
        self.buffer += chunk

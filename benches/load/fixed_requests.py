#!/usr/bin/env python3
"""A deterministic HTTP/1.1 client for instruction counting: the same bytes, one request at a
time, on kept-alive connections, so that a server's work per request is the same every run.

    fixed_requests.py <host:port> <mode> <count>

mode: ack   POST RetrieveInteractionHistory (a cache hit once warm), as the demo user
      e2e   the same POST while a CometD session of the demo user holds a /meta/connect: the
            notification is delivered on it and the connect is held again (one iteration = the
            POST, its ack, the notification's answer and the next connect)
      get   GET /api/v2/me (the passthrough)
Exits non-zero on any unexpected status."""
import json
import os
import socket
import sys

AUTH = "Basic ZGVtbzpkZW1v"  # demo:demo, a user of config/default.toml
QUERY = b'{"operationName":"RetrieveInteractionHistory"}'


class Connection:
    def __init__(self, addr):
        host, port = addr.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.cookie = None

    def send(self, method, path, body=b""):
        head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: {AUTH}\r\n"
        if self.cookie:
            head += f"Cookie: {self.cookie}\r\n"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.sock.sendall(head.encode() + b"\r\n" + body)

    def read(self):
        while b"\r\n\r\n" not in self.buf:
            self.fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, value = line.split(":", 1)
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        length = int(headers["content-length"][0])
        while len(self.buf) < length:
            self.fill()
        body, self.buf = self.buf[:length], self.buf[length:]
        for cookie in headers.get("set-cookie", []):
            pair = cookie.split(";", 1)[0]
            self.cookie = pair if not self.cookie else self.cookie + "; " + pair
        return status, body

    def fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            sys.exit("connection closed by the server")
        self.buf += chunk

    def call(self, method, path, body=b"", expect=200):
        self.send(method, path, body)
        status, answer = self.read()
        if status != expect:
            sys.exit(f"{method} {path}: HTTP {status} {answer[:200]!r}")
        return answer


def bayeux(conn, messages):
    return json.loads(conn.call("POST", "/api/v2/notifications", json.dumps(messages).encode()))


def main():
    addr, mode, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "get":
        conn = Connection(addr)
        for _ in range(count):
            conn.call("GET", "/api/v2/me")
    elif mode == "ack":
        conn = Connection(addr)
        for _ in range(count):
            conn.call("POST", "/api/v2/ucs/interactions", QUERY)
    elif mode == "e2e":
        poll, post = Connection(addr), Connection(addr)
        # A browser of its own per run: the previous run's last connect, parked when its client
        # exited, must not make this session's connects "multiple-clients" (the proxy drops it
        # as soon as it reads the closed socket; a run must not depend on how soon that is).
        poll.cookie = f"BAYEUX_BROWSER=instructions-{os.getpid()}"
        client_id = bayeux(poll, [{"channel": "/meta/handshake", "version": "1.0",
                                   "supportedConnectionTypes": ["long-polling"]}])[0]["clientId"]
        connect = {"channel": "/meta/connect", "clientId": client_id, "connectionType": "long-polling"}
        bayeux(poll, [dict(connect, advice={"timeout": 0})])
        bayeux(poll, [{"channel": "/meta/subscribe", "clientId": client_id,
                       "subscription": "/v2/ucs/interactions"}])
        body = json.dumps([connect]).encode()
        poll.send("POST", "/api/v2/notifications", body)
        for _ in range(count):
            post.call("POST", "/api/v2/ucs/interactions", QUERY)
            status, answer = poll.read()
            if status != 200 or b"/v2/ucs/interactions" not in answer:
                sys.exit(f"no notification: HTTP {status} {answer[:200]!r}")
            poll.send("POST", "/api/v2/notifications", body)
    else:
        sys.exit(f"unknown mode {mode}")


main()

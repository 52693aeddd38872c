#!/usr/bin/env python3
"""A lean webhook receiver for the subscriber benchmark: answers every POST /hooks/<name> with 204 and keeps, per
hook, the events received, the first and last arrival times, and each batch's lag (arrival time minus the
timestamp of the batch's oldest event; server and receiver share this machine's clock).

Bodies are scanned as they arrive, never gathered whole: the receiver shares the machine's cores with the server
it measures, so it should take as little of them as it can. Every event is still counted (its `"offset":` key).

GET /stats answers {"<name>": {"requests", "events", "first", "last", "lags": [...]}}; DELETE /stats resets.
Usage: receiver.py  (prints "port=<n>" once it listens on 127.0.0.1)
"""
import asyncio
import json
import time
from datetime import datetime

STATS = {}
OFFSET = b'"offset":'
TIMESTAMP = b'"timestamp":"'
HEAD_LIMIT = 64 << 10
KEPT_PREFIX = 1024  # enough of the body to hold the first event's timestamp


def record(hook, events, prefix):
    now = time.time()
    stats = STATS.setdefault(hook, {"requests": 0, "events": 0, "first": now, "last": now, "lags": []})
    stats["requests"] += 1
    stats["events"] += events
    stats["last"] = now
    start = prefix.find(TIMESTAMP)
    if start >= 0:
        start += len(TIMESTAMP)
        stamp = prefix[start:prefix.index(b'"', start)].decode()
        stats["lags"].append(now - datetime.fromisoformat(stamp).timestamp())


class Connection(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.head = bytearray()
        self.remaining = None  # body bytes still to come, once a head was read

    def data_received(self, data):
        position = 0
        while position < len(data):
            if self.remaining is None:
                if self.head:  # the head began in an earlier read: join them (rare, and only then copied)
                    data, position = bytes(self.head) + data[position:], 0
                    self.head = bytearray()
                end = data.find(b"\r\n\r\n", position)
                if end < 0:
                    self.head += data[position:]
                    if len(self.head) > HEAD_LIMIT:
                        self.transport.close()
                    return
                self.start_request(data[position:end])
                position = end + 4
            else:
                end = min(len(data), position + self.remaining)
                self.scan(data, position, end)
                self.remaining -= end - position
                position = end
            if self.remaining == 0:
                self.finish_request()

    def start_request(self, head):
        request_line, *lines = head.decode("latin-1").split("\r\n")
        self.method, self.path, _ = request_line.split(" ", 2)
        self.remaining = 0
        for line in lines:
            if line.lower().startswith("content-length:"):
                self.remaining = int(line.split(":", 1)[1])
        self.events = 0
        self.prefix = bytearray()
        self.tail = b""

    def scan(self, data, start, end):
        """Counts the events in data[start:end], the next part of the body, without copying it."""
        if len(self.prefix) < KEPT_PREFIX:
            self.prefix += data[start:min(end, start + KEPT_PREFIX - len(self.prefix))]
        self.events += data.count(OFFSET, start, end)
        # A key split across the previous part's end: whole keys cannot fit in either side (9 bytes, 8 kept).
        keep = len(OFFSET) - 1
        self.events += (self.tail + data[start:min(end, start + keep)]).count(OFFSET)
        self.tail = (self.tail + data[max(start, end - keep):end])[-keep:]

    def finish_request(self):
        method, path = self.method, self.path
        self.remaining = None
        if method == "POST" and path.startswith("/hooks/"):
            record(path[len("/hooks/"):], self.events, bytes(self.prefix))
            self.transport.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        elif method == "GET" and path == "/stats":
            payload = json.dumps(STATS).encode()
            self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload)
        elif method == "DELETE" and path == "/stats":
            STATS.clear()
            self.transport.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        else:
            self.transport.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")


async def main():
    server = await asyncio.get_running_loop().create_server(Connection, "127.0.0.1", 0, backlog=1024)
    print(f"port={server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())

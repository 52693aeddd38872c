#!/usr/bin/env python3
"""A lean webhook receiver for the subscriber benchmark: answers every POST /hooks/<name> with 204 and keeps, per
hook, the events received, the first and last arrival times, and each batch's lag (arrival time minus the
timestamp of the batch's oldest event; server and receiver share this machine's clock).

GET /stats answers {"<name>": {"requests", "events", "first", "last", "lags": [...]}}; DELETE /stats resets.
Usage: receiver.py  (prints "port=<n>" once it listens on 127.0.0.1)
"""
import asyncio
import json
import time
from datetime import datetime

STATS = {}
TIMESTAMP = b'"timestamp":"'


def record(hook, body):
    now = time.time()
    stats = STATS.setdefault(hook, {"requests": 0, "events": 0, "first": now, "last": now, "lags": []})
    stats["requests"] += 1
    stats["events"] += body.count(b'"offset":')
    stats["last"] = now
    start = body.find(TIMESTAMP)
    if start >= 0:
        start += len(TIMESTAMP)
        stamp = body[start:body.index(b'"', start)].decode()
        stats["lags"].append(now - datetime.fromisoformat(stamp).timestamp())


async def serve(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *lines = head.decode("latin-1").split("\r\n")
            method, path, _ = request_line.split(" ", 2)
            length = 0
            for line in lines:
                if line.lower().startswith("content-length:"):
                    length = int(line.split(":", 1)[1])
            body = await reader.readexactly(length) if length else b""
            if method == "POST" and path.startswith("/hooks/"):
                record(path[len("/hooks/"):], body)
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            elif method == "GET" and path == "/stats":
                payload = json.dumps(STATS).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload)
            elif method == "DELETE" and path == "/stats":
                STATS.clear()
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            else:
                writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionResetError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", 0, backlog=1024)
    print(f"port={server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())

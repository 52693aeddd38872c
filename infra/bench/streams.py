#!/usr/bin/env python3
"""Event-stream load: STREAMS readers follow one topic (GET .../events/stream) while publishers append single
events at RATE per second for SECONDS. Each reader measures, per chunk it receives, the delay of the chunk's oldest
event (now minus the event's append timestamp: the worst in that chunk) and counts the events it got.

Usage: streams.py BASE TOPIC STREAMS RATE SECONDS
Prints RESULT streams=... published=... publish_rate=... delivered_min=... delivered_max=... p50_ms=... p99_ms=... max_ms=...
"""
import asyncio
import datetime
import json
import multiprocessing
import sys
import time
from urllib.parse import urlsplit


def parse_timestamp(chunk, start):
    i = chunk.find(b'"timestamp":"', start)
    if i < 0:
        return None
    text = chunk[i + 13:i + 13 + 27].decode()
    return datetime.datetime.strptime(text[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc).timestamp()


async def reader(host, port, topic, delays, counts, index, ready, stop):
    r, w = await asyncio.open_connection(host, port)
    w.write(f"GET /topics/{topic}/events/stream HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    await w.drain()
    head = await r.readuntil(b"\r\n\r\n")
    assert b" 200 " in head.split(b"\r\n")[0], head
    ready.release()
    count = 0
    while not stop.is_set():
        try:
            chunk = await asyncio.wait_for(r.read(1 << 20), timeout=0.5)
        except asyncio.TimeoutError:
            continue
        if not chunk:
            break
        now = time.time()
        count += chunk.count(b"\nid: ") + (1 if chunk.startswith(b"id: ") else 0)
        stamp = parse_timestamp(chunk, 0)
        if stamp is not None:
            delays.append((now - stamp) * 1000)
    counts[index] = count
    w.close()


async def publisher(host, port, topic, rate, seconds, sent):
    r, w = await asyncio.open_connection(host, port)
    body = json.dumps({"type": "Tick", "key": "k", "data": {"pad": "x" * 150}}).encode()
    request = (f"POST /topics/{topic}/events HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < seconds:
        due = start + n / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        w.write(request)
        await w.drain()
        head = await r.readuntil(b"\r\n\r\n")
        length = int([line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")][0].split(b":")[1])
        await r.readexactly(length)
        assert b" 201 " in head.split(b"\r\n")[0], head
        n += 1
    sent.append(n)
    w.close()


def publish_process(host, port, topic, rate, seconds, results):
    sent = []
    connections = 8

    async def run():
        await asyncio.gather(*(publisher(host, port, topic, rate / connections, seconds, sent) for _ in range(connections)))

    asyncio.run(run())
    results.put(sum(sent))


async def main():
    base, topic, streams, rate, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
    url = urlsplit(base)
    delays, counts, sent = [], [0] * streams, []
    ready, stop = asyncio.Semaphore(0), asyncio.Event()
    readers = [asyncio.create_task(reader(url.hostname, url.port, topic, delays, counts, i, ready, stop)) for i in range(streams)]
    for _ in range(streams):
        await ready.acquire()
    # The publishers run in a process of their own, so reading 100 streams does not slow them down.
    results = multiprocessing.Queue()
    publishing = multiprocessing.Process(target=publish_process, args=(url.hostname, url.port, topic, rate, seconds, results))
    started = time.monotonic()
    publishing.start()
    while publishing.is_alive():
        await asyncio.sleep(0.2)
    elapsed = time.monotonic() - started
    sent.append(results.get())
    await asyncio.sleep(2)  # the last events reach every reader
    stop.set()
    await asyncio.gather(*readers)
    delays.sort()
    pick = lambda q: delays[min(len(delays) - 1, int(q * len(delays)))] if delays else -1
    print(f"RESULT streams={streams} published={sum(sent)} publish_rate={sum(sent) / elapsed:.0f} "
          f"delivered_min={min(counts)} delivered_max={max(counts)} chunks={len(delays)} "
          f"p50_ms={pick(0.5):.1f} p99_ms={pick(0.99):.1f} max_ms={delays[-1] if delays else -1:.1f}")


asyncio.run(main())

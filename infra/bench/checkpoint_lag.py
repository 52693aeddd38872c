#!/usr/bin/env python3
"""Measures the time from a publish's 201 to a projection's checkpoint covering it, while other load runs.

Each probe publishes one event, then asks GET /topics/TOPIC/projections/PROJECTION?min_checkpoint=N&wait=5 with N
its last_offset + 1, which answers as soon as the projection has applied it. Prints percentiles of that time.

Usage: checkpoint_lag.py BASE_URL TOPIC PROJECTION SECONDS
"""
import http.client
import json
import sys
import time
import urllib.parse


def main():
    url, topic, projection, seconds = urllib.parse.urlparse(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    body = '{"type":"Probe","key":"probe","data":{"probe":true}}'
    lags = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        connection.request("POST", f"/topics/{topic}/events", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        published = json.loads(response.read())
        assert response.status == 201, response.status
        acknowledged = time.monotonic()
        wanted = published["last_offset"] + 1
        connection.request("GET", f"/topics/{topic}/projections/{projection}?limit=1&min_checkpoint={wanted}&wait=5")
        response = connection.getresponse()
        response.read()
        assert response.status == 200, response.status
        lags.append((time.monotonic() - acknowledged) * 1000)
        time.sleep(0.02)
    lags.sort()
    def percentile(p):
        return lags[min(len(lags) - 1, int(len(lags) * p))]
    print(f"RESULT probes={len(lags)} p50_ms={percentile(0.5):.2f} p99_ms={percentile(0.99):.2f} max_ms={lags[-1]:.2f}")


if __name__ == "__main__":
    main()

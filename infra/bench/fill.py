#!/usr/bin/env python3
"""Publishes COUNT copies of the benchmark's ~300-byte event to a topic, in batches of 1000, over THREADS connections.

Usage: fill.py BASE_URL TOPIC COUNT [THREADS]
"""
import http.client
import sys
import threading
import urllib.parse

EVENT = ('{"type":"OrderPlaced","key":"order-4711","tags":["customer:42","region:eu"],'
         '"data":{"order_id":"4711","customer":{"id":42,"name":"Ada Lovelace"},"lines":['
         '{"sku":"A-100","qty":2,"price":12.5},{"sku":"B-200","qty":1,"price":99.0}],'
         '"total":124.0,"currency":"EUR"},"metadata":{"source":"bench","trace":"0af7651916cd43dd"}}')


def publish(url, topic, batches, body):
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    for _ in range(batches):
        connection.request("POST", f"/topics/{topic}/events", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        assert response.status == 201, response.status


def main():
    url, topic, count = urllib.parse.urlparse(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    body = '{"events":[' + ",".join([EVENT] * 1000) + ']}'
    batches = count // 1000
    workers = [threading.Thread(target=publish, args=(url, topic, batches // threads + (1 if i < batches % threads else 0), body))
               for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(f"published-event-bytes={len(EVENT)}")


if __name__ == "__main__":
    main()

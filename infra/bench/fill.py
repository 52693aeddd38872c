#!/usr/bin/env python3
"""Publishes COUNT copies of the benchmark's ~300-byte event to a topic, in batches of 1000, over THREADS connections.
With KEYS, the events take the keys order-0 ... order-(KEYS-1) in turn (each batch its own body); without, all are
order-4711.

Usage: fill.py BASE_URL TOPIC COUNT [THREADS [KEYS]]
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
    for batch in range(batches):
        connection.request("POST", f"/topics/{topic}/events", body(batch), {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        assert response.status == 201, response.status


def main():
    url, topic, count = urllib.parse.urlparse(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    keys = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    batches = count // 1000
    fixed = '{"events":[' + ",".join([EVENT] * 1000) + ']}'

    def body_of(worker):
        if not keys:
            return lambda batch: fixed
        # Worker w sends batches w, w + threads, ...: event i of batch b gets key order-((b * 1000 + i) % KEYS).
        def body(batch):
            first = (batch * threads + worker) * 1000
            return '{"events":[' + ",".join(EVENT.replace("order-4711", f"order-{(first + i) % keys}") for i in range(1000)) + ']}'
        return body

    workers = [threading.Thread(target=publish, args=(url, topic, batches // threads + (1 if i < batches % threads else 0), body_of(i)))
               for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(f"published-event-bytes={len(EVENT)}")


if __name__ == "__main__":
    main()

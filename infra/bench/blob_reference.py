#!/usr/bin/env python3
"""The blob benchmark's reference: sequential Append Blocks to one append blob of the fake Blob service, each
conditioned on its position (x-ms-blob-condition-appendpos), one client, one keep-alive connection, each request
signed with Shared Key by Microsoft's azure-storage-blob, as the server's are. Prints
"RESULT appends=N seconds=S rate=R".

Usage: blob_reference.py PORT SECONDS [BLOCK_BYTES]
"""
import http.client
import sys
import time

from azure.core.pipeline import PipelineContext, PipelineRequest
from azure.core.rest import HttpRequest
from azure.storage.blob._shared.authentication import SharedKeyCredentialPolicy

ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def send(connection, port, method, path, headers, body=b""):
    headers = {"x-ms-date": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()), "x-ms-version": "2023-11-03",
               "Content-Length": str(len(body)), **headers}
    request = HttpRequest(method, "http://127.0.0.1:%s%s" % (port, path), headers=headers)
    SharedKeyCredentialPolicy(ACCOUNT, KEY).on_request(PipelineRequest(request, PipelineContext(None)))
    connection.request(method, path, body=body, headers=dict(request.headers))
    response = connection.getresponse()
    response.read()
    return response.status


def main():
    port, seconds = sys.argv[1], float(sys.argv[2])
    block = b"x" * (int(sys.argv[3]) if len(sys.argv) > 3 else 400)
    connection = http.client.HTTPConnection("127.0.0.1", int(port))
    base = "/%s/reference" % ACCOUNT
    send(connection, port, "PUT", base + "?restype=container", {})
    assert send(connection, port, "PUT", base + "/blob.log", {"x-ms-blob-type": "AppendBlob", "If-None-Match": "*"}) == 201
    position, appends = 0, 0
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        status = send(connection, port, "PUT", base + "/blob.log?comp=appendblock",
                      {"x-ms-blob-condition-appendpos": str(position), "Content-Type": "application/octet-stream"}, block)
        assert status == 201, status
        position += len(block)
        appends += 1
    elapsed = time.monotonic() - started
    print("RESULT appends=%d seconds=%.2f rate=%.1f" % (appends, elapsed, appends / elapsed))


if __name__ == "__main__":
    main()

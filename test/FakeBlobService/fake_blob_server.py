#!/usr/bin/env python3
"""A fake Azure Blob service on 127.0.0.1 for the blob adapter's tests: exactly the REST subset the adapter uses,
with Azure's semantics, every request's Shared Key signature (or SAS) verified by Microsoft's own code
(azure-storage-blob), and faults on demand.

Usage: fake_blob_server.py [--account NAME] [--key BASE64] [--block-limit N]
Prints "listening PORT" once it accepts requests. Path-style URLs: /{account}/{container}[/{blob}].

Subset: create container (PUT ?restype=container); put blob (x-ms-blob-type AppendBlob or BlockBlob, If-None-Match: *
or If-Match); Append Block (?comp=appendblock; x-ms-blob-condition-appendpos, x-ms-blob-condition-maxsize; at most
4 MiB; a block count limit, 50,000 as Azure's, settable down to a handful); seal (?comp=seal); get (whole, or
x-ms-range; 416 past the end); head; delete; list (?restype=container&comp=list; prefix, marker, maxresults; the
marker is opaque). Errors carry x-ms-error-code and Azure's XML error body.

Faults, set per container with POST /__faults (JSON, not signed; the harness's own door), so tests sharing one
service each keep to their own container: "container": name, "drop_after_commit": N (the next N appends are
committed, then the connection is closed with no answer), "server_busy": N (the next N requests get 503 ServerBusy
with Retry-After), "retry_after": seconds, "force_412": N (the next N appends get 412 without effect),
"block_limit": N, "repeat_marker": N (the next N listings name the marker they were given, or a first one, as
their next: a listing that never ends), "wrong_range": N (the next N ranged reads answer bytes from 0 whatever
range was asked), "drop_put_after_commit": N (the next N block blobs put are stored, then the connection is closed with
no answer). GET /__stats?container=name answers that container's counts of verified and refused requests.
"""
import argparse
import base64
import hashlib
import hmac
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from xml.sax.saxutils import escape

from azure.core.pipeline import PipelineContext, PipelineRequest
from azure.core.rest import HttpRequest
from azure.storage.blob._shared.authentication import SharedKeyCredentialPolicy
from azure.storage.blob._shared_access_signature import BlobSharedAccessSignature
from azure.storage.blob._shared.shared_access_signature import SharedAccessSignature

MAX_BLOCK = 4 * 1024 * 1024


class Blob:
    def __init__(self, kind):
        self.kind = kind
        self.data = bytearray()
        self.blocks = 0
        self.sealed = False
        self.etag = '"0x%X"' % uuid.uuid4().int

    def touch(self):
        self.etag = '"0x%X"' % uuid.uuid4().int


class State:
    def __init__(self, account, key, block_limit):
        self.account = account
        self.key = key
        self.default_block_limit = block_limit
        self.lock = threading.Lock()
        self.containers = {}
        self.faults = {}
        self.stats = {}

    def faults_of(self, container):
        """Called holding the lock."""
        return self.faults.setdefault(container, {"drop_after_commit": 0, "server_busy": 0, "retry_after": 1, "force_412": 0,
                                                  "block_limit": self.default_block_limit, "repeat_marker": 0, "wrong_range": 0,
                                                  "drop_put_after_commit": 0})

    def stats_of(self, container):
        """Called holding the lock."""
        return self.stats.setdefault(container, {"verified": 0, "refused": 0})

    def take_fault(self, container, name):
        with self.lock:
            faults = self.faults_of(container)
            if faults[name] > 0:
                faults[name] -= 1
                return True
            return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: State = None

    def log_message(self, *args):
        pass

    # Answers

    def answer(self, status, headers=None, body=b""):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        self.send_header("x-ms-version", "2023-11-03")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def error(self, status, code, message, headers=None):
        body = ('<?xml version="1.0" encoding="utf-8"?><Error><Code>%s</Code><Message>%s\nRequestId:%s\nTime:%s</Message></Error>'
                % (code, escape(message), uuid.uuid4(), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))).encode()
        self.answer(status, {"x-ms-error-code": code, "Content-Type": "application/xml", **(headers or {})}, body)

    # Authorization, by Microsoft's code

    def authorized(self, query):
        if "sig" in query:
            return self.sas_authorized(query)
        given = self.headers.get("Authorization")
        if not given:
            return False
        headers = {name: value for name, value in self.headers.items() if name.lower() not in ("authorization",)}
        request = HttpRequest(self.command, "http://%s%s" % (self.headers.get("Host", "127.0.0.1"), self.path), headers=headers)
        SharedKeyCredentialPolicy(self.state.account, self.state.key).on_request(PipelineRequest(request, PipelineContext(None)))
        return hmac.compare_digest(request.headers["Authorization"], given)

    def sas_authorized(self, query):
        version = query.get("sv", "")
        if "ss" in query:
            sas = SharedAccessSignature(self.state.account, self.state.key, x_ms_version=version)
            token = sas.generate_account(query.get("ss"), query.get("srt"), query.get("sp"), query.get("se"), start=query.get("st"),
                                         ip=query.get("sip"), protocol=query.get("spr"))
        else:
            container, blob = self.container_and_blob()
            sas = BlobSharedAccessSignature(self.state.account, self.state.key)
            sas.x_ms_version = version
            if query.get("sr") == "b":
                token = sas.generate_blob(container, blob, permission=query.get("sp"), expiry=query.get("se"), start=query.get("st"),
                                          ip=query.get("sip"), protocol=query.get("spr"))
            else:
                token = sas.generate_container(container, permission=query.get("sp"), expiry=query.get("se"), start=query.get("st"),
                                               ip=query.get("sip"), protocol=query.get("spr"))
        expected = dict(parse_qsl(token)).get("sig", "")
        expiry = query.get("se", "")
        return hmac.compare_digest(expected, query.get("sig", "")) and expiry > time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

    # Routing

    def container_and_blob(self):
        parts = urlsplit(self.path).path.split("/", 3)
        # ["", account, container, blob]
        container = unquote(parts[2]) if len(parts) > 2 else ""
        blob = unquote(parts[3]) if len(parts) > 3 else None
        return container, blob

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def handle_any(self):
        split = urlsplit(self.path)
        if split.path.startswith("/__"):
            return self.control(split.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        body = self.body()
        if not split.path.startswith("/%s/" % self.state.account) and split.path != "/%s" % self.state.account:
            return self.error(400, "InvalidUri", "the account is not %s" % self.state.account)
        container, blob = self.container_and_blob()
        if not self.authorized(query):
            with self.state.lock:
                self.state.stats_of(container)["refused"] += 1
            return self.error(403, "AuthenticationFailed", "Server failed to authenticate the request.")
        with self.state.lock:
            self.state.stats_of(container)["verified"] += 1
        if self.state.take_fault(container, "server_busy"):
            with self.state.lock:
                retry_after = self.state.faults_of(container)["retry_after"]
            return self.error(503, "ServerBusy", "The server is busy.", {"Retry-After": str(retry_after)})
        with self.state.lock:
            if blob is None:
                return self.container_operation(container, query)
            return self.blob_operation(container, blob, query, body)

    def control(self, path):
        if path == "/__faults" and self.command == "POST":
            faults = json.loads(self.body() or b"{}")
            container = faults.pop("container", "")
            with self.state.lock:
                self.state.faults_of(container).update(faults)
            return self.answer(204)
        if path == "/__stats":
            container = dict(parse_qsl(urlsplit(self.path).query)).get("container", "")
            with self.state.lock:
                return self.answer(200, {"Content-Type": "application/json"}, json.dumps(self.state.stats_of(container)).encode())
        return self.answer(404)

    def container_operation(self, container, query):
        if self.command == "PUT" and query.get("restype") == "container":
            if container in self.state.containers:
                return self.error(409, "ContainerAlreadyExists", "The specified container already exists.")
            self.state.containers[container] = {}
            return self.answer(201, {"ETag": '"0x1"'})
        if self.command == "GET" and query.get("restype") == "container" and query.get("comp") == "list":
            if container not in self.state.containers:
                return self.error(404, "ContainerNotFound", "The specified container does not exist.")
            return self.listing(self.state.containers[container], query, self.state.faults_of(container))
        return self.error(400, "UnsupportedHttpVerb", "not in the fake's subset")

    def listing(self, blobs, query, faults):
        """Called holding the lock."""
        prefix = query.get("prefix", "")
        maximum = max(1, min(int(query.get("maxresults", "5000")), 5000))
        after = base64.urlsafe_b64decode(query["marker"]).decode() if query.get("marker") else None
        names = sorted(name for name in blobs if name.startswith(prefix) and (after is None or name > after))
        page, more = names[:maximum], len(names) > maximum
        items = "".join(
            "<Blob><Name>%s</Name><Properties><Content-Length>%d</Content-Length><Etag>%s</Etag><BlobType>%s</BlobType>%s</Properties></Blob>"
            % (escape(name), len(blobs[name].data), blobs[name].etag, blobs[name].kind,
               "<Sealed>true</Sealed>" if blobs[name].sealed else "")
            for name in page)
        marker = base64.urlsafe_b64encode(page[-1].encode()).decode() if more else ""
        if faults["repeat_marker"] > 0:
            faults["repeat_marker"] -= 1
            marker = query.get("marker") or base64.urlsafe_b64encode(b"\x00").decode()
        body = ('<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="http://127.0.0.1/" ContainerName="c">'
                "<Prefix>%s</Prefix><MaxResults>%d</MaxResults><Blobs>%s</Blobs><NextMarker>%s</NextMarker></EnumerationResults>"
                % (escape(prefix), maximum, items, marker)).encode()
        return self.answer(200, {"Content-Type": "application/xml"}, body)

    def blob_operation(self, container, name, query, body):
        blobs = self.state.containers.get(container)
        if blobs is None:
            return self.error(404, "ContainerNotFound", "The specified container does not exist.")
        blob = blobs.get(name)
        comp = query.get("comp")
        if self.command == "PUT" and comp is None:
            return self.put_blob(blobs, name, blob, body)
        if self.command == "PUT" and comp == "appendblock":
            return self.append_block(blob, body, self.state.faults_of(container))
        if self.command == "PUT" and comp == "seal":
            if blob is None:
                return self.error(404, "BlobNotFound", "The specified blob does not exist.")
            blob.sealed = True
            return self.answer(200, {"ETag": blob.etag, "x-ms-blob-sealed": "true"})
        if blob is None:
            if self.command == "HEAD":
                return self.answer(404, {"x-ms-error-code": "BlobNotFound"})
            return self.error(404, "BlobNotFound", "The specified blob does not exist.")
        if self.command in ("GET", "HEAD"):
            return self.get_blob(blob, self.state.faults_of(container))
        if self.command == "DELETE":
            del blobs[name]
            return self.answer(202)
        return self.error(400, "UnsupportedHttpVerb", "not in the fake's subset")

    def put_blob(self, blobs, name, blob, body):
        kind = self.headers.get("x-ms-blob-type")
        if kind not in ("AppendBlob", "BlockBlob"):
            return self.error(400, "InvalidHeaderValue", "x-ms-blob-type must be AppendBlob or BlockBlob")
        if self.headers.get("If-None-Match") == "*" and blob is not None:
            return self.error(409, "BlobAlreadyExists", "The specified blob already exists.")
        if_match = self.headers.get("If-Match")
        if if_match is not None and (blob is None or (if_match != "*" and if_match != blob.etag)):
            return self.error(412, "ConditionNotMet", "The condition specified using HTTP conditional header(s) is not met.")
        if kind == "AppendBlob" and body:
            return self.error(400, "InvalidHeaderValue", "an append blob is created empty")
        created = Blob(kind)
        created.data = bytearray(body)
        blobs[name] = created
        faults = self.state.faults_of(self.container_and_blob()[0])
        if kind == "BlockBlob" and faults["drop_put_after_commit"] > 0:
            faults["drop_put_after_commit"] -= 1
            self.close_connection = True
            self.connection.shutdown(2)
            return None
        return self.answer(201, {"ETag": created.etag})

    def append_block(self, blob, body, faults):
        """Called holding the lock."""
        if blob is None:
            return self.error(404, "BlobNotFound", "The specified blob does not exist.")
        if blob.kind != "AppendBlob":
            return self.error(409, "InvalidBlobType", "The blob type is invalid for this operation.")
        if blob.sealed:
            return self.error(409, "BlobIsSealed", "The blob is sealed and its contents cannot be modified.")
        if len(body) > MAX_BLOCK:
            return self.error(413, "RequestBodyTooLarge", "The request body is too large and exceeds the maximum permissible limit.")
        if len(body) == 0:
            return self.error(400, "InvalidHeaderValue", "an empty block")
        position = self.headers.get("x-ms-blob-condition-appendpos")
        if faults["force_412"] > 0:
            faults["force_412"] -= 1
            return self.error(412, "AppendPositionConditionNotMet", "The append position condition specified was not met.")
        if position is not None and int(position) != len(blob.data):
            return self.error(412, "AppendPositionConditionNotMet", "The append position condition specified was not met.")
        maxsize = self.headers.get("x-ms-blob-condition-maxsize")
        if maxsize is not None and len(blob.data) + len(body) > int(maxsize):
            return self.error(412, "MaxBlobSizeConditionNotMet", "The max blob size condition specified was not met.")
        if blob.blocks >= faults["block_limit"]:
            return self.error(409, "BlockCountExceedsLimit", "The committed block count cannot exceed the maximum limit.")
        offset = len(blob.data)
        blob.data += body
        blob.blocks += 1
        blob.touch()
        if faults["drop_after_commit"] > 0:
            faults["drop_after_commit"] -= 1
            self.close_connection = True
            self.connection.shutdown(2)
            return None
        return self.answer(201, {"ETag": blob.etag, "x-ms-blob-append-offset": str(offset),
                                 "x-ms-blob-committed-block-count": str(blob.blocks)})

    def get_blob(self, blob, faults):
        """Called holding the lock."""
        headers = {"ETag": blob.etag, "x-ms-blob-type": blob.kind, "Content-Type": "application/octet-stream"}
        if blob.sealed:
            headers["x-ms-blob-sealed"] = "true"
        wanted = self.headers.get("x-ms-range")
        if self.command == "HEAD":
            self.send_response(200)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(blob.data)))
            self.end_headers()
            return None
        if wanted is None:
            return self.answer(200, headers, bytes(blob.data))
        start, _, end = wanted.removeprefix("bytes=").partition("-")
        start = int(start)
        if faults["wrong_range"] > 0:
            faults["wrong_range"] -= 1
            start = 0
        end = min(int(end) if end else len(blob.data) - 1, len(blob.data) - 1)
        if start >= len(blob.data):
            return self.error(416, "InvalidRange", "The range specified is invalid for the current size of the resource.",
                              {"Content-Range": "bytes */%d" % len(blob.data)})
        headers["Content-Range"] = "bytes %d-%d/%d" % (start, end, len(blob.data))
        return self.answer(206, headers, bytes(blob.data[start:end + 1]))

    do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = handle_any


class Server(ThreadingHTTPServer):
    # One service answers every test of a test process at once: a deep listen queue.
    request_queue_size = 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--account", default="devstoreaccount1")
    parser.add_argument("--key", default="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==")
    parser.add_argument("--block-limit", type=int, default=50000)
    options = parser.parse_args()
    Handler.state = State(options.account, options.key, options.block_limit)
    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("listening %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

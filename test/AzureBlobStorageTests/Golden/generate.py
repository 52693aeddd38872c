#!/usr/bin/env python3
"""Golden vectors for the blob adapter's Shared Key signer and SAS tokens, computed by Microsoft's own code
(azure-storage-blob). Run it after changing a case; its output, vectors.json, is committed, so the Swift unit tests
need no Python.

    pip install azure-storage-blob && python3 generate.py > vectors.json
"""
import datetime
import json
from urllib.parse import parse_qsl, urlparse

from azure.core.pipeline import PipelineContext, PipelineRequest
from azure.core.rest import HttpRequest
from azure.storage.blob import (AccountSasPermissions, BlobSasPermissions, ContainerSasPermissions, ResourceTypes,
                                generate_account_sas, generate_blob_sas, generate_container_sas)
from azure.storage.blob._shared.authentication import SharedKeyCredentialPolicy

ACCOUNT = "eventstoretest"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
DATE = "Mon, 30 Nov 2026 12:00:00 GMT"
VERSION = "2023-11-03"
HOST = f"https://{ACCOUNT}.blob.core.windows.net"
AZURITE = "http://127.0.0.1:10000/devstoreaccount1"


def base(**more):
    return {"x-ms-date": DATE, "x-ms-version": VERSION, **more}


CASES = [
    ("create a container (empty body)", "PUT", f"{HOST}/events?restype=container", base(**{"Content-Length": "0"})),
    ("create an append blob if none exists", "PUT", f"{HOST}/events/orders/seg-00000000000000000000.log",
     base(**{"Content-Length": "0", "If-None-Match": "*", "x-ms-blob-type": "AppendBlob"})),
    ("append a block at a position, below a size", "PUT", f"{HOST}/events/orders/seg-00000000000000000000.log?comp=appendblock",
     base(**{"Content-Length": "1234", "Content-Type": "application/octet-stream",
             "x-ms-blob-condition-appendpos": "4096", "x-ms-blob-condition-maxsize": "209715200",
             "x-ms-client-request-id": "b7f6b0a4-3c39-4b8e-9d55-2f3c1f7e8a10"})),
    ("list with a prefix and a marker", "GET",
     f"{HOST}/events?restype=container&comp=list&prefix=orders%2Fseg-&marker=2%21120%21MDAwMDM0IW9yZGVycy9zZWct&maxresults=5000",
     base()),
    ("read a range", "GET", f"{HOST}/events/orders/seg-00000000000000000000.log", base(**{"x-ms-range": "bytes=4096-8191"})),
    ("write if the ETag matches", "PUT", f"{HOST}/events/orders/projections/state/manifest.json",
     base(**{"Content-Length": "17", "Content-Type": "application/json", "If-Match": "\"0x8DCF1A2B3C4D5E6\"",
             "x-ms-blob-type": "BlockBlob"})),
    ("a percent-encoded name", "GET", f"{HOST}/events/caf%C3%A9%20orders/a%2Bb%3F%23.log", base()),
    ("properties (HEAD)", "HEAD", f"{HOST}/events/orders/seg-00000000000000000000.log", base()),
    ("seal, path-style", "PUT", f"{AZURITE}/events/orders/seg-00000000000000000000.log?comp=seal",
     base(**{"Content-Length": "0", "x-ms-blob-condition-appendpos": "8192"})),
    ("list, path-style", "GET", f"{AZURITE}/events?comp=list&restype=container&prefix=orders%2F", base()),
    ("metadata names in the service's order", "PUT", f"{HOST}/events/orders/meta?comp=metadata",
     base(**{"Content-Length": "0", "x-ms-meta-a-b": "1", "x-ms-meta-ab": "2", "x-ms-meta-a_b": "3", "x-ms-meta-a1": "4",
             "x-ms-meta-aB": "5"})),
    ("delete", "DELETE", f"{HOST}/events/orders/projections/state/g2.json", base()),
]


def signing_case(name, method, url, headers, account=ACCOUNT):
    policy = SharedKeyCredentialPolicy(account, KEY)
    request = HttpRequest(method, url, headers=headers)
    pipeline_request = PipelineRequest(request, PipelineContext(None))
    captured = {}
    original = policy._add_authorization_header

    def capture(req, string_to_sign):
        captured["string_to_sign"] = string_to_sign
        original(req, string_to_sign)

    policy._add_authorization_header = capture
    policy.on_request(pipeline_request)
    parsed = urlparse(url)
    return {
        "name": name,
        "account": account,
        "method": method,
        "url": url,
        "path": parsed.path,
        "query": [[k, v] for k, v in parse_qsl(parsed.query, keep_blank_values=True)],
        "headers": [[k, v] for k, v in headers.items()],
        "string_to_sign": captured["string_to_sign"],
        "authorization": request.headers["Authorization"],
    }


def sas_cases():
    start = datetime.datetime(2026, 11, 30, 12, 0, 0, tzinfo=datetime.timezone.utc)
    expiry = datetime.datetime(2026, 12, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
    return [
        {"name": "service SAS for a blob", "kind": "blob", "container": "events", "blob": "orders/seg-00000000000000000000.log",
         "permissions": "racw", "start": "2026-11-30T12:00:00Z", "expiry": "2026-12-01T12:00:00Z", "ip": "127.0.0.1",
         "protocols": "https,http",
         "token": generate_blob_sas(ACCOUNT, "events", "orders/seg-00000000000000000000.log", account_key=KEY,
                                    permission=BlobSasPermissions(read=True, add=True, create=True, write=True),
                                    start=start, expiry=expiry, ip="127.0.0.1", protocol="https,http")},
        {"name": "service SAS for a container", "kind": "container", "container": "events", "blob": None,
         "permissions": "racwdl", "start": None, "expiry": "2026-12-01T12:00:00Z", "ip": None, "protocols": "https",
         "token": generate_container_sas(ACCOUNT, "events", account_key=KEY,
                                         permission=ContainerSasPermissions(read=True, add=True, create=True, write=True,
                                                                            delete=True, list=True),
                                         expiry=expiry, protocol="https")},
        {"name": "account SAS", "kind": "account", "services": "b", "resource_types": "sco", "permissions": "rwdlacu",
         "start": "2026-11-30T12:00:00Z", "expiry": "2026-12-01T12:00:00Z", "ip": None, "protocols": None,
         "token": generate_account_sas(ACCOUNT, KEY,
                                       resource_types=ResourceTypes(service=True, container=True, object=True),
                                       permission=AccountSasPermissions(read=True, write=True, delete=True, list=True,
                                                                        add=True, create=True, update=True),
                                       start=start, expiry=expiry)},
    ]


def main():
    print(json.dumps({
        "key": KEY,
        "account": ACCOUNT,
        "signing": [signing_case(*case, account=("devstoreaccount1" if AZURITE in case[2] else ACCOUNT)) for case in CASES],
        "sas": sas_cases(),
    }, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

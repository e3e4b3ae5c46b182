"""A local stand-in for an S3 bucket (127.0.0.1): ListObjectsV2 XML listings with delimiters and
continuation tokens (pages of ``page_size`` keys), GET of objects; faults: a 500 or 503 once."""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from fastapi import FastAPI, Request, Response

from tests import servers

NS = "http://s3.amazonaws.com/doc/2006-03-01/"


@dataclass
class Bucket:
    objects: dict[str, bytes] = field(default_factory=dict)
    page_size: int = 3
    error_once: bool = False
    calls: list[str] = field(default_factory=list)


def _listing(bucket: Bucket, prefix: str, delimiter: str, token: str) -> str:
    keys = sorted(k for k in bucket.objects if k.startswith(prefix))
    entries: list[tuple[str, str]] = []  # (kind, value) in key order, folders collapsed
    seen: set[str] = set()
    for key in keys:
        rest = key[len(prefix) :]
        if delimiter and delimiter in rest:
            folder = prefix + rest.split(delimiter, 1)[0] + delimiter
            if folder not in seen:
                seen.add(folder)
                entries.append(("prefix", folder))
        else:
            entries.append(("key", key))
    start = int(token) if token else 0
    page = entries[start : start + bucket.page_size]
    more = start + bucket.page_size < len(entries)
    body = [
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="{NS}">',
        f"<Prefix>{escape(prefix)}</Prefix>",
    ]
    body.append(f"<KeyCount>{len(page)}</KeyCount><IsTruncated>{'true' if more else 'false'}</IsTruncated>")
    if more:
        body.append(f"<NextContinuationToken>{start + bucket.page_size}</NextContinuationToken>")
    for kind, value in page:
        if kind == "key":
            body.append(
                f"<Contents><Key>{escape(value)}</Key><Size>{len(bucket.objects[value])}</Size></Contents>"
            )
        else:
            body.append(f"<CommonPrefixes><Prefix>{escape(value)}</Prefix></CommonPrefixes>")
    return "".join([*body, "</ListBucketResult>"])


def make_app(bucket: Bucket) -> FastAPI:
    app = FastAPI()

    def fault() -> Response | None:
        if bucket.error_once:
            bucket.error_once = False
            return Response("<Error><Code>InternalError</Code></Error>", status_code=500)
        return None

    @app.get("/")
    def listing(request: Request) -> Response:
        q = request.query_params
        bucket.calls.append(f"list {q.get('prefix', '')}")
        if (early := fault()) is not None:
            return early
        if q.get("list-type") != "2":
            return Response("only ListObjectsV2", status_code=400)
        text = _listing(bucket, q.get("prefix", ""), q.get("delimiter", ""), q.get("continuation-token", ""))
        return Response(text, media_type="application/xml")

    @app.get("/{key:path}")
    def get_object(key: str) -> Response:
        bucket.calls.append(f"get {key}")
        if (early := fault()) is not None:
            return early
        if key not in bucket.objects:
            return Response("<Error><Code>NoSuchKey</Code></Error>", status_code=404)
        return Response(bucket.objects[key], media_type="application/octet-stream")

    return app


class FakeBucket(servers.AppServer):
    def __init__(self, bucket: Bucket | None = None) -> None:
        self.bucket = bucket or Bucket()
        super().__init__(make_app(self.bucket))

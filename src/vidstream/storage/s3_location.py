"""Where an S3 backend keeps its objects, read from an ``s3://`` storage URL.

``s3://bucket?endpoint_url=http://127.0.0.1:9000&region=us-east-1`` names a bucket on
an S3-compatible store. Credentials never appear here: boto3 finds them in the
standard ``AWS_*`` variables, its config files or the instance's role. Parsing needs
no boto3, so configuration can be checked without loading it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
REGION = re.compile(r"[a-z0-9-]{1,40}")
AddressingStyle = Literal["auto", "path", "virtual"]
ADDRESSING_STYLES: dict[str, AddressingStyle] = {
    "auto": "auto",
    "path": "path",
    "virtual": "virtual",
}
PARAMETERS = ("endpoint_url", "public_endpoint_url", "region", "addressing_style")


@dataclass(frozen=True)
class S3Location:
    """A bucket, the endpoint the services reach it at, and the one browsers do."""

    bucket: str
    endpoint_url: str | None = None
    region: str | None = None
    # Presigned links are signed for this endpoint when the store is reached under
    # another name from outside (e.g. http://minio:9000 inside, a public host outside).
    public_endpoint_url: str | None = None
    addressing_style: AddressingStyle = "auto"


def _endpoint(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} must be an http:// or https:// URL, got {value!r}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError(f"{name} must be a plain scheme://host[:port] URL, got {value!r}")
    return value.rstrip("/")


def _parameters(query: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)):
        if name not in PARAMETERS:
            raise ValueError(f"has an unknown parameter {name!r}; known: {', '.join(PARAMETERS)}")
        if name in found:
            raise ValueError(f"gives {name} twice")
        found[name] = value.strip()
    return found


def parse_s3_url(url: str) -> S3Location:
    """The location named by ``url``; ``ValueError`` saying what is wrong otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise ValueError("must start with s3://")
    if "@" in parts.netloc:
        raise ValueError("must not carry credentials: set AWS_ACCESS_KEY_ID and friends instead")
    bucket = parts.netloc
    if not BUCKET.fullmatch(bucket) or ".." in bucket:
        raise ValueError(f"names an invalid bucket {bucket!r}")
    if parts.path not in ("", "/") or parts.fragment:
        raise ValueError("must name a bucket only (s3://bucket?endpoint_url=...), not a path")
    params = _parameters(parts.query)
    region = params.get("region") or None
    if region is not None and not REGION.fullmatch(region):
        raise ValueError(f"names an invalid region {region!r}")
    endpoint = params.get("endpoint_url") or None
    public = params.get("public_endpoint_url") or None
    # S3-compatible stores are often reached by a name that cannot carry a bucket
    # subdomain (an IP address, a container name), so path-style is their default.
    style = ADDRESSING_STYLES.get(
        params.get("addressing_style") or ("path" if endpoint else "auto")
    )
    if style is None:
        raise ValueError(f"addressing_style must be one of {', '.join(ADDRESSING_STYLES)}")
    return S3Location(
        bucket=bucket,
        endpoint_url=_endpoint("endpoint_url", endpoint) if endpoint else None,
        region=region,
        public_endpoint_url=_endpoint("public_endpoint_url", public) if public else None,
        addressing_style=style,
    )

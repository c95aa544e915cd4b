"""One nginx for the gateway benchmark: the shipped gateway and, beside it, nginx alone.

The gateway is ``docker/nginx.conf`` rendered the way the tests render it, with both
of its media paths: the ``internal`` location behind X-Accel-Redirect and the
``secure_link`` location for signed links. In the same nginx (same workers, same
``http`` settings) a second server sends the same media directory from a plain
location, without any check: the ceiling.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tests.support.servers import render_gateway_config

from bench.common.procs import HOST

DIRECT_PREFIX = "/direct/"
SIGNED_PREFIX = "/_signed/"
ACCEL_PREFIX = "/_protected/"

WRAPPER = """\
{user}worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{
    worker_connections 4096;
}}
http {{
    access_log {access_log};
    sendfile on;
    keepalive_timeout 65s;
    default_type application/octet-stream;
    types {{
        video/mp4 mp4;
        video/iso.segment m4s;
        application/vnd.apple.mpegurl m3u8;
    }}
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;

    include {prefix}/gateway.conf;

    server {{
        listen {host}:{direct_port};
        location {direct} {{
            alias {media}/;
        }}
    }}
}}
"""


@dataclass(frozen=True)
class Gateway:
    """What the gateway fronts and where: its port, the direct port, the links' secret."""

    port: int
    direct_port: int
    stream_upstream: str
    other_upstream: str
    secret: str


def gateway_conf(gateway: Gateway, media_root: Path) -> str:
    """The shipped gateway template, filled in for loopback ports."""
    return render_gateway_config(
        {
            "GATEWAY_LISTEN": f"{HOST}:{gateway.port}",
            "GATEWAY_MAX_BODY_SIZE": "2m",
            "GATEWAY_MEDIA_ROOT": str(media_root),
            "GATEWAY_MEDIA_LINK_SECRET": gateway.secret,
            "GATEWAY_AUTH_UPSTREAM": gateway.other_upstream,
            "GATEWAY_UPLOAD_UPSTREAM": gateway.other_upstream,
            "GATEWAY_STREAM_UPSTREAM": gateway.stream_upstream,
        }
    )


def write_config(
    prefix: Path, gateway: Gateway, media_root: Path, workers: str, access_log: bool
) -> Path:
    """Write nginx.conf and the rendered gateway into ``prefix``; return nginx.conf."""
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "gateway.conf").write_text(gateway_conf(gateway, media_root))
    config = prefix / "nginx.conf"
    config.write_text(
        WRAPPER.format(
            # As root, nginx's workers would run as "nobody", who cannot read the
            # private data directory; they run as the benchmark's user instead.
            user="user root;\n" if os.geteuid() == 0 else "",
            workers=workers,
            prefix=prefix,
            access_log=f"{prefix}/access.log" if access_log else "off",
            host=HOST,
            direct_port=gateway.direct_port,
            direct=DIRECT_PREFIX,
            media=media_root,
        )
    )
    return config

"""Links and redirects between services follow the configured URLs."""

from __future__ import annotations

from dataclasses import replace

from vidstream import create_app
from vidstream.config import Settings, parse_networks


def test_split_ports_use_configured_service_urls(settings: Settings) -> None:
    urls = {"auth": "http://auth.local:5000", "stream": "http://stream.local:5002"}
    upload_only = create_app(replace(settings, service_urls=urls), services=["upload"])
    response = upload_only.test_client().get("/upload")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("http://auth.local:5000/signin?next=")
    home = upload_only.test_client().get("/")
    assert home.headers["Location"] == "http://stream.local:5002/stream"


def test_default_split_ports_are_this_host_on_the_original_ports(settings: Settings) -> None:
    stream_only = create_app(settings, services=["stream"])
    response = stream_only.test_client().get("/stream", base_url="http://media.example:5002")
    assert response.headers["Location"].startswith("http://media.example:5000/signin?next=")


def test_single_origin_behind_a_gateway(settings: Settings) -> None:
    gateway = replace(settings, public_url="https://videos.example")
    stream_only = create_app(gateway, services=["stream"])
    response = stream_only.test_client().get("/stream")
    assert response.headers["Location"].startswith("https://videos.example/signin?next=")


def test_all_services_in_one_process_link_relatively(settings: Settings) -> None:
    app = create_app(settings)
    page = app.test_client().get("/signin")
    assert b'action="/signin"' in page.data
    assert b'href="/signup"' in page.data


def test_forwarded_headers_are_honoured_only_from_trusted_proxies(settings: Settings) -> None:
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "videos.example"}
    direct = create_app(settings, services=["stream"]).test_client()
    assert (
        direct.get("/stream", headers=headers)
        .headers["Location"]
        .startswith("http://localhost:5000/")
    )
    proxied = create_app(
        replace(settings, trusted_proxy_networks=parse_networks("127.0.0.1")), services=["stream"]
    ).test_client()
    location = proxied.get("/stream", headers=headers).headers["Location"]
    assert location.startswith(
        "https://videos.example:5000/signin?next=https://videos.example/stream"
    )

"""The deployment files: lint-clean, schema-valid, and saying what the code expects.

These checks need no database or Redis and always run; the nginx ones skip with a
reason when nginx is missing (and fail under ``CI=true``).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.support.servers import (
    ROOT,
    check_nginx_config,
    free_ports,
    gateway_placeholders,
    render_gateway_config,
    require_nginx,
    write_nginx_config,
)

COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
WEB = {"authentication": ("auth", 5000), "upload": ("upload", 5001), "stream": ("stream", 5002)}
DATA_DIR = "/var/lib/vidstream"
MIB = 1024 * 1024
SECRETS = ("VIDSTREAM_SECRET_KEY", "MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD", "REDIS_PASSWORD")


def _tool(name: str) -> str:
    path = Path(sys.executable).with_name(name)
    assert path.exists(), f"{name} is missing from the test environment (pip install -e .[test])"
    return str(path)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """compose.yaml as data, with YAML anchors and merge keys resolved."""
    data: dict[str, Any] = YAML(typ="safe", pure=True).load(COMPOSE)
    return data


def _env_example() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines())
    return {p[0].strip(): p[1].strip() for p in pairs if len(p) == 2 and not p[0].startswith("#")}


def _nginx_size(value: str) -> int:
    """Bytes in an nginx size such as ``10241m``."""
    match = re.fullmatch(r"(\d+)([kKmMgG]?)", value)
    assert match, f"{value!r} is not an nginx size"
    return int(match.group(1)) * {"": 1, "k": 1024, "m": MIB, "g": 1024 * MIB}[match[2].lower()]


def _default(value: str) -> str:
    """The default in a compose interpolation like ``${NAME:-default}``."""
    match = re.fullmatch(r"\$\{[A-Z0-9_]+:-([^}]*)\}", value)
    assert match, f"{value!r} is not ${{NAME:-default}}"
    return match.group(1)


def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [_tool("hadolint"), "--no-color", str(DOCKERFILE)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_installs_the_lock_and_runs_gunicorn_as_a_user() -> None:
    lines = [line.strip() for line in DOCKERFILE.read_text().splitlines()]
    assert "FROM python:3.11-slim" in lines
    text = DOCKERFILE.read_text()
    assert text.index("--requirement requirements/runtime.txt") < text.index("--no-deps .")
    user = next(line.split()[1] for line in lines if line.startswith("USER "))
    assert user.split(":")[0] not in ("0", "root")
    assert any(line.startswith("HEALTHCHECK ") for line in lines)
    assert lines[-1] == 'CMD ["vidstream", "serve"]'


def test_dockerignore_lets_in_exactly_what_the_dockerfile_copies() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "*", "the build context should be an allowlist"
    allowed = {p[1:].rstrip("/") for p in patterns if p.startswith("!")}
    copied = re.findall(r"^COPY (?:--\S+ )*(.+) \S+$", DOCKERFILE.read_text(), re.MULTILINE)
    for sources in copied:
        for source in sources.split():
            assert source in allowed, f"COPY {source} is excluded by .dockerignore"
            assert (ROOT / source).exists(), f"COPY {source}: no such file"


def test_compose_file_matches_the_compose_spec() -> None:
    result = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_runs_the_original_topology(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"db", "redis", "migrate", "gateway", *WEB} <= set(services)
    assert services["db"]["image"] == "mysql:8.0"
    assert "db-data:/var/lib/mysql" in services["db"]["volumes"]
    assert "--appendonly" in services["redis"]["command"]
    assert "redis_data:/data" in services["redis"]["volumes"]
    assert "ports" not in services["db"] and "ports" not in services["redis"]
    assert {"db-data", "redis_data", "videos"} <= set(compose["volumes"])
    for name, (service, port) in WEB.items():
        spec = services[name]
        assert spec["command"] == ["vidstream", "serve", "--service", service, "--host", "0.0.0.0"]
        assert [p["target"] for p in spec["ports"]] == [port]
        assert spec["healthcheck"]["test"] == ["CMD", "vidstream-healthcheck", str(port)]
        assert spec["environment"]["VIDSTREAM_DATA_DIR"] == DATA_DIR
    for name in ("upload", "stream"):
        assert f"videos:{DATA_DIR}" in services[name]["volumes"]
    assert services["migrate"]["command"] == ["vidstream", "db", "upgrade"]
    assert services["migrate"]["restart"] == "no"


def test_compose_starts_things_in_order(compose: dict[str, Any]) -> None:
    services = compose["services"]
    conditions = {
        name: {dep: spec["condition"] for dep, spec in s.get("depends_on", {}).items()}
        for name, s in services.items()
    }
    assert conditions["migrate"] == {"db": "service_healthy"}
    for name in WEB:
        assert conditions[name] == {
            "db": "service_healthy",
            "redis": "service_healthy",
            "migrate": "service_completed_successfully",
        }
    assert conditions["gateway"] == dict.fromkeys(WEB, "service_healthy")
    for name, spec in services.items():
        if name != "migrate":
            assert spec["healthcheck"]["test"], f"{name} has no health check"
            assert not spec["healthcheck"].get("disable"), f"{name} disables its health check"


def test_compose_keeps_secrets_in_env_and_env_example_documents_them() -> None:
    text = COMPOSE.read_text()
    used = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", text))
    documented = _env_example()
    assert used - set(documented) == set(), "variables compose.yaml reads but .env.example lacks"
    for secret in SECRETS:
        assert f"${{{secret}:?" in text, f"{secret} must be required, never defaulted"
        assert documented[secret] == "", f".env.example must not ship a value for {secret}"
    ignored = {line.strip() for line in (ROOT / ".gitignore").read_text().splitlines()}
    assert ignored & {".env", "/.env"}, ".env must be gitignored"


def test_compose_passes_only_settings_the_code_reads(compose: dict[str, Any]) -> None:
    source = "\n".join(p.read_text() for p in (ROOT / "src" / "vidstream").rglob("*.py"))
    read = set(re.findall(r'"(VIDSTREAM_[A-Z0-9_]+)"', source))
    if 'f"VIDSTREAM_{name.upper()}_URL"' in source:
        read |= {f"VIDSTREAM_{service.upper()}_URL" for service, _port in WEB.values()}
    names = set(compose["services"]["upload"]["environment"]) | set(_env_example())
    passed = {n for n in names if n.startswith("VIDSTREAM_")}
    # VIDSTREAM_PUBLISH_HOST and VIDSTREAM_TAG are read by compose.yaml itself.
    assert passed - read == {"VIDSTREAM_PUBLISH_HOST", "VIDSTREAM_TAG"}


def test_gateway_body_limit_follows_the_upload_limit(compose: dict[str, Any]) -> None:
    example = _env_example()
    upload_env = compose["services"]["upload"]["environment"]
    gateway_env = compose["services"]["gateway"]["environment"]
    pairs = [
        (int(example["VIDSTREAM_MAX_UPLOAD_BYTES"]), example["GATEWAY_MAX_BODY_SIZE"]),
        (
            int(_default(upload_env["VIDSTREAM_MAX_UPLOAD_BYTES"])),
            _default(gateway_env["GATEWAY_MAX_BODY_SIZE"]),
        ),
    ]
    for upload_limit, body_limit in pairs:
        assert _nginx_size(body_limit) == upload_limit + MIB


def test_gateway_gets_a_value_for_every_placeholder(compose: dict[str, Any]) -> None:
    gateway = compose["services"]["gateway"]
    assert "./docker/nginx.conf:/etc/nginx/templates/default.conf.template:ro" in gateway["volumes"]
    given = {k for k in gateway["environment"] if k.startswith("GATEWAY_")}
    assert given == gateway_placeholders()
    upstreams = {
        name: gateway["environment"][f"GATEWAY_{service.upper()}_UPSTREAM"]
        for name, (service, _port) in WEB.items()
    }
    assert upstreams == {name: f"{name}:{port}" for name, (_s, port) in WEB.items()}
    assert [p["target"] for p in gateway["ports"]] == [8080]
    assert gateway["environment"]["GATEWAY_LISTEN"] == "8080"


def test_gateway_config_passes_nginx_t(compose: dict[str, Any], tmp_path: Path) -> None:
    require_nginx()
    env = compose["services"]["gateway"]["environment"]
    ports = free_ports(4)
    values = {
        "GATEWAY_LISTEN": f"127.0.0.1:{ports[0]}",
        "GATEWAY_AUTH_UPSTREAM": f"127.0.0.1:{ports[1]}",
        "GATEWAY_UPLOAD_UPSTREAM": f"127.0.0.1:{ports[2]}",
        "GATEWAY_STREAM_UPSTREAM": f"127.0.0.1:{ports[3]}",
        "GATEWAY_MAX_BODY_SIZE": _default(env["GATEWAY_MAX_BODY_SIZE"]),
        "GATEWAY_MEDIA_ROOT": env["GATEWAY_MEDIA_ROOT"],
        "GATEWAY_MEDIA_LINK_SECRET": "0" * 64,
    }
    result = check_nginx_config(write_nginx_config(render_gateway_config(values), tmp_path))
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr

    broken = "no_such_directive on;\n" + render_gateway_config(values)
    result = check_nginx_config(write_nginx_config(broken, tmp_path / "broken"))
    assert result.returncode != 0, "nginx -t accepted an unknown directive"
    assert "no_such_directive" in result.stderr

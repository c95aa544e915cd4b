"""The Kubernetes manifests: schema-valid, and saying what the code and compose.yaml say.

``kubectl kustomize deploy/kubernetes`` renders them as ``kubectl apply -k`` would;
every rendered object is validated offline, strictly (unknown fields are errors),
against the Kubernetes API schemas that kubernetes-validate ships, for the oldest and
the newest Kubernetes release it knows. The other tests check the topology against
its sources: ports, commands and settings against vidstream's config and compose.yaml,
the user against the Dockerfile, the gateway against docker/nginx.conf. kubectl comes
with the machine image; without it the tests skip, except under ``CI=true`` where
that fails.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.support.servers import GATEWAY_TEMPLATE, ROOT, gateway_placeholders
from vidstream.config import DEFAULT_PORTS, load_settings, parse_networks

try:
    import kubernetes_validate
    from kubernetes_validate.utils import all_versions
except ImportError:
    if os.environ.get("CI") == "true":
        raise
    pytest.skip(
        "kubernetes-validate is missing: install requirements/lock.txt", allow_module_level=True
    )

MANIFESTS = ROOT / "deploy" / "kubernetes"
COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
COMPONENT = "app.kubernetes.io/component"
SECRET_REF = "vidstream-secrets"
MEDIA_CLAIM = "vidstream-media"
MIB = 1024 * 1024
# A setting with one of these in its name is a secret and must come from the Secret.
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|_KEY|DATABASE_URL|REDIS_URL|^AWS_")
CREDENTIALS_IN_URL = re.compile(r"://[^/\s:@]+:[^/\s@]+@")
# compose.yaml settings whose Kubernetes value differs on purpose, and why.
NOT_AS_IN_COMPOSE = {
    "VIDSTREAM_PUBLIC_URL": "the Ingress's https:// host, not the gateway's port",
    "VIDSTREAM_TRUSTED_PROXY_NETWORKS": "the pod network, not compose's gateway address",
}
SPLIT_PORT_URLS = {"VIDSTREAM_AUTH_URL", "VIDSTREAM_UPLOAD_URL", "VIDSTREAM_STREAM_URL"}
Doc = dict[str, Any]


def _kubectl() -> str:
    binary = shutil.which("kubectl")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true and kubectl is not installed: the manifests cannot be rendered")
        pytest.skip("kubectl is not installed, so the kustomization cannot be rendered")
    return binary


def _load_yaml(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path)


@pytest.fixture(scope="module")
def rendered() -> list[Doc]:
    """Every object ``kubectl apply -k deploy/kubernetes`` would send, as data."""
    result = subprocess.run(
        [_kubectl(), "kustomize", str(MANIFESTS)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in YAML(typ="safe", pure=True).load_all(result.stdout) if doc]


@pytest.fixture(scope="module")
def compose() -> Doc:
    """compose.yaml with its anchors and merge keys resolved."""
    data: Doc = _load_yaml(COMPOSE)
    return data


def _one(docs: list[Doc], kind: str, component: str) -> Doc:
    found = [
        d for d in docs if d["kind"] == kind and d["metadata"]["labels"].get(COMPONENT) == component
    ]
    assert len(found) == 1, f"expected one {kind} for {component}, found {len(found)}"
    return found[0]


def _pod(docs: list[Doc], component: str) -> Doc:
    """The pod spec of the component's Deployment (or, for "migrate", its Job)."""
    kind = "Job" if component == "migrate" else "Deployment"
    pod: Doc = _one(docs, kind, component)["spec"]["template"]["spec"]
    return pod


def _container(docs: list[Doc], component: str) -> Doc:
    (container,) = _pod(docs, component)["containers"]
    return container


def _pods(docs: list[Doc]) -> Iterator[tuple[str, Doc]]:
    """(component, pod spec) for every Deployment and Job."""
    for doc in docs:
        if doc["kind"] in ("Deployment", "Job"):
            yield doc["metadata"]["labels"][COMPONENT], doc["spec"]["template"]["spec"]


def _config(docs: list[Doc]) -> dict[str, str]:
    maps = [d for d in docs if d["kind"] == "ConfigMap" and "VIDSTREAM_DATA_DIR" in d["data"]]
    assert len(maps) == 1
    data: dict[str, str] = maps[0]["data"]
    return data


def _env(container: Doc) -> dict[str, str]:
    return {item["name"]: item["value"] for item in container.get("env", []) if "value" in item}


def _mounts(pod: Doc, container: Doc) -> dict[str, tuple[Doc, bool]]:
    """mount path -> (the volume, whether the mount is read-only)."""
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    return {
        m["mountPath"]: (volumes[m["name"]], bool(m.get("readOnly")))
        for m in container.get("volumeMounts", [])
    }


def _claim(volume: Doc) -> str | None:
    return volume.get("persistentVolumeClaim", {}).get("claimName")


def _nginx_size(value: str) -> int:
    match = re.fullmatch(r"(\d+)([kKmMgG]?)", value)
    assert match, f"{value!r} is not an nginx size"
    return int(match[1]) * {"": 1, "k": 1024, "m": MIB, "g": 1024 * MIB}[match[2].lower()]


def _quantity(value: str | int) -> float:
    """A Kubernetes CPU or memory quantity as a plain number (cores or bytes)."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti)?", str(value))
    assert match, f"{value!r} is not a quantity this test understands"
    scale = {None: 1, "m": 1e-3, "Ki": 1024, "Mi": MIB, "Gi": 1024 * MIB, "Ti": 1024**4}
    return float(match[1]) * scale[match[2]]


def _default(value: str) -> str:
    """The value compose.yaml gives when nothing overrides it: ``${NAME:-this}`` or as is."""
    match = re.fullmatch(r"\$\{[A-Z0-9_]+:-([^}]*)\}", value)
    return match[1] if match else value


def _image(compose: Doc) -> str:
    """The vidstream image compose.yaml builds and runs, with its default tag."""
    name, tag = compose["x-vidstream"]["image"].split(":", 1)
    return f"{name}:{_default(tag)}"


def _as_text(docs: list[Doc]) -> str:
    """All documents as one YAML text, to search every value at once."""
    stream = StringIO()
    YAML(typ="safe", pure=True).dump_all(docs, stream)
    return stream.getvalue()


def _dockerfile_user() -> tuple[int, int]:
    user = re.search(r"^USER (\d+):(\d+)$", DOCKERFILE.read_text(), re.MULTILINE)
    assert user, "the Dockerfile should switch to a numeric uid:gid"
    return int(user[1]), int(user[2])


def test_the_kustomization_lists_every_manifest() -> None:
    kustomization = _load_yaml(MANIFESTS / "kustomization.yaml")
    files = {p.name for p in MANIFESTS.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files, "a manifest nobody applies (or validates)"


# The oldest and the newest release the validator knows: a stable API field present
# at both ends is present in between.
KNOWN_VERSIONS = list(dict.fromkeys(all_versions()))


@pytest.mark.parametrize("version", [KNOWN_VERSIONS[0], KNOWN_VERSIONS[-1]])
def test_manifests_match_the_kubernetes_schemas(rendered: list[Doc], version: str) -> None:
    kinds = {doc["kind"] for doc in rendered}
    assert {"Deployment", "Service", "Ingress", "Job", "PodDisruptionBudget"} <= kinds
    for doc in rendered:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            name = f"{doc['kind']}/{doc['metadata']['name']}"
            pytest.fail(f"{name} is not valid for Kubernetes {version}: {error.message}")


def test_the_validator_rejects_a_misspelled_or_mistyped_field(rendered: list[Doc]) -> None:
    version = kubernetes_validate.latest_version()
    deployment = _one(rendered, "Deployment", "auth")
    kubernetes_validate.validate(deployment, version, strict=True)

    misspelled = copy.deepcopy(deployment)
    container = misspelled["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(misspelled, version, strict=True)

    mistyped = copy.deepcopy(deployment)
    mistyped["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(mistyped, version, strict=True)


def test_each_service_runs_as_in_compose_on_its_configured_port(
    rendered: list[Doc], compose: Doc
) -> None:
    expose = re.search(r"^EXPOSE (.+)$", DOCKERFILE.read_text(), re.MULTILINE)
    assert expose, "the Dockerfile exposes no port"
    exposed = set(expose[1].split())
    for service, port in DEFAULT_PORTS.items():
        container = _container(rendered, service)
        assert container["command"] == [
            "vidstream", "serve", "--service", service, "--host", "0.0.0.0",
        ]  # fmt: skip
        assert container["ports"] == [{"name": "http", "containerPort": port}]
        assert str(port) in exposed
        spec = _one(rendered, "Service", service)["spec"]
        assert spec["ports"] == [{"name": "http", "port": port, "targetPort": "http"}]
    assert _container(rendered, "migrate")["command"] == compose["services"]["migrate"]["command"]
    worker = _container(rendered, "worker")
    assert worker["command"] == compose["services"]["worker"]["command"]


def test_probes_ask_healthz_for_liveness_and_readyz_for_readiness(
    rendered: list[Doc], compose: Doc
) -> None:
    for service, port in DEFAULT_PORTS.items():
        container = _container(rendered, service)
        probes = {kind: container[kind]["httpGet"] for kind in ("startupProbe", "livenessProbe")}
        probes["readinessProbe"] = container["readinessProbe"]["httpGet"]
        assert {kind: probe["path"] for kind, probe in probes.items()} == {
            "startupProbe": "/healthz",
            "livenessProbe": "/healthz",
            "readinessProbe": "/readyz",
        }
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert {ports[probe["port"]] for probe in probes.values()} == {port}

    worker = _container(rendered, "worker")
    ping = compose["services"]["worker"]["healthcheck"]["test"][1:]
    assert worker["livenessProbe"]["exec"]["command"] == ping
    assert worker["startupProbe"]["exec"]["command"] == ping

    gateway = _container(rendered, "gateway")
    health_url = compose["services"]["gateway"]["healthcheck"]["test"][-1]
    health_path = "/" + health_url.split("/", 3)[3]
    assert f"location = {health_path} " in GATEWAY_TEMPLATE.read_text()
    for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert gateway[kind]["httpGet"] == {"path": health_path, "port": "http"}


def test_no_secret_value_is_in_the_manifests(rendered: list[Doc]) -> None:
    assert [d for d in rendered if d["kind"] == "Secret"] == []
    for key in _config(rendered):
        assert not SECRET_NAME.search(key), f"{key} belongs in the Secret, not the ConfigMap"
    for component, pod in _pods(rendered):
        for container in pod["containers"]:
            for name in _env(container):
                assert not SECRET_NAME.search(name), f"{component}: {name} has a literal value"
            if container["image"].startswith("vidstream:") and component != "worker":
                refs = [s["secretRef"]["name"] for s in container["envFrom"] if "secretRef" in s]
                assert refs == [SECRET_REF], f"{component} does not read {SECRET_REF}"
    assert not CREDENTIALS_IN_URL.search(_as_text(rendered)), "a URL with a password in it"


def test_the_worker_gets_only_the_secrets_it_uses(rendered: list[Doc]) -> None:
    worker = _container(rendered, "worker")
    assert [s for s in worker["envFrom"] if "secretRef" in s] == [], "not the whole Secret"
    from_secret = {
        e["name"]: e["valueFrom"]["secretKeyRef"]
        for e in worker["env"]
        if "secretKeyRef" in e.get("valueFrom", {})
    }
    assert set(from_secret) == {
        "VIDSTREAM_DATABASE_URL",
        "VIDSTREAM_REDIS_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    }
    for name, ref in from_secret.items():
        assert ref["name"] == SECRET_REF and ref["key"] == name
        assert ref.get("optional", False) == name.startswith("AWS_")


def test_settings_are_the_ones_compose_passes(rendered: list[Doc], compose: Doc) -> None:
    config = _config(rendered)
    for name, value in compose["x-vidstream-env"].items():
        if SECRET_NAME.search(name) or name in SPLIT_PORT_URLS:
            continue
        assert name in config, f"compose.yaml sets {name}; the ConfigMap does not"
        if name not in NOT_AS_IN_COMPOSE:
            assert config[name] == _default(str(value)), name


def test_settings_are_valid_and_read_by_the_code(rendered: list[Doc]) -> None:
    config = _config(rendered)
    source = "\n".join(p.read_text() for p in (ROOT / "src" / "vidstream").rglob("*.py"))
    read = set(re.findall(r'"(VIDSTREAM_[A-Z0-9_]+)"', source))
    stream = _container(rendered, "stream")
    passed = {name for name in [*config, *_env(stream)] if name.startswith("VIDSTREAM_")}
    assert passed - read == set(), "settings that no code reads"

    secrets = {
        "VIDSTREAM_SECRET_KEY": "s" * 32,
        "VIDSTREAM_DATABASE_URL": "mysql+pymysql://vidstream@db.internal/vidstream",
        "VIDSTREAM_REDIS_URL": "redis://redis.internal:6379/0",
        "VIDSTREAM_MEDIA_LINK_SECRET": "m" * 64,
    }
    settings = load_settings({**config, **_env(stream), **secrets})
    assert str(settings.data_dir) == config["VIDSTREAM_DATA_DIR"]
    assert settings.trusted_proxy_networks == parse_networks("10.0.0.0/8"), "the pod network"
    for name in ("VIDSTREAM_WORKERS", "VIDSTREAM_THREADS", "VIDSTREAM_WORKER_CONCURRENCY"):
        assert int(config[name]) >= 1

    gateway = _container(rendered, "gateway")
    body_limit = _env(gateway)["GATEWAY_MAX_BODY_SIZE"]
    assert _nginx_size(body_limit) == settings.max_upload_bytes + MIB
    ingress = _one(rendered, "Ingress", "gateway")
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == body_limit
    assert annotations["nginx.ingress.kubernetes.io/proxy-request-buffering"] == "off"


def test_gateway_is_docker_nginx_conf_with_every_placeholder_filled(rendered: list[Doc]) -> None:
    maps = [d["data"] for d in rendered if d["kind"] == "ConfigMap"]
    texts = [data["default.conf.template"] for data in maps if "default.conf.template" in data]
    assert texts == [GATEWAY_TEMPLATE.read_text()], "copy docker/nginx.conf to the manifests"

    pod = _pod(rendered, "gateway")
    container = _container(rendered, "gateway")
    env = _env(container)
    from_secrets = {e["name"] for e in container["env"] if "valueFrom" in e}
    assert {k for k in [*env, *from_secrets] if k.startswith("GATEWAY_")} == (
        gateway_placeholders()
    )
    assert env["NGINX_ENVSUBST_FILTER"] == "^GATEWAY_"
    assert container["ports"] == [{"name": "http", "containerPort": int(env["GATEWAY_LISTEN"])}]
    for service in DEFAULT_PORTS:
        spec = _one(rendered, "Service", service)
        assert env[f"GATEWAY_{service.upper()}_UPSTREAM"] == (
            f"{spec['metadata']['name']}:{spec['spec']['ports'][0]['port']}"
        )
    mounts = _mounts(pod, container)
    assert mounts["/etc/nginx/templates"][0]["configMap"]["name"].startswith(
        "vidstream-gateway-template"
    )


def test_media_volume_is_shared_and_the_gateway_reads_it_only(rendered: list[Doc]) -> None:
    data_dir = _config(rendered)["VIDSTREAM_DATA_DIR"]
    claim = [d for d in rendered if d["kind"] == "PersistentVolumeClaim"]
    assert [c["metadata"]["name"] for c in claim] == [MEDIA_CLAIM]
    assert claim[0]["spec"]["accessModes"] == ["ReadWriteMany"], "pods on several nodes"

    uid, gid = _dockerfile_user()
    for component in ("upload", "stream", "worker"):
        pod = _pod(rendered, component)
        volume, read_only = _mounts(pod, _container(rendered, component))[data_dir]
        assert _claim(volume) == MEDIA_CLAIM and not read_only, component
        assert pod["securityContext"]["fsGroup"] == gid, f"{component} cannot write the volume"
    for component in ("auth", "migrate"):
        pod = _pod(rendered, component)
        volume, _read_only = _mounts(pod, _container(rendered, component))[data_dir]
        assert "emptyDir" in volume, component

    gateway = _pod(rendered, "gateway")
    container = _container(rendered, "gateway")
    volume, read_only = _mounts(gateway, container)[data_dir]
    assert _claim(volume) == MEDIA_CLAIM and read_only
    assert volume["persistentVolumeClaim"]["readOnly"] is True
    assert _env(container)["GATEWAY_MEDIA_ROOT"] == f"{data_dir}/media"
    assert gateway["securityContext"]["runAsUser"] == uid, "stored files are owner-only"

    signed = re.search(r"location (\S+) \{\s*secure_link ", GATEWAY_TEMPLATE.read_text())
    assert signed, "docker/nginx.conf has no signed-link location for media"
    stream = _container(rendered, "stream")
    assert _env(stream)["VIDSTREAM_MEDIA_LINKS"] == signed[1]
    link_secret = next(e for e in container["env"] if e["name"] == "GATEWAY_MEDIA_LINK_SECRET")
    assert link_secret["valueFrom"]["secretKeyRef"] == {
        "name": "vidstream-secrets",
        "key": "VIDSTREAM_MEDIA_LINK_SECRET",
    }


def test_images_are_the_ones_compose_runs(rendered: list[Doc], compose: Doc) -> None:
    image = _image(compose)
    for component, pod in _pods(rendered):
        (container,) = pod["containers"]
        if component == "gateway":
            nginx_tag = compose["services"]["gateway"]["image"].split(":")[1]
            assert container["image"] == f"nginxinc/nginx-unprivileged:{nginx_tag}"
        else:
            assert container["image"] == image, component


def test_pods_run_unprivileged_with_resources_set(rendered: list[Doc]) -> None:
    uid, gid = _dockerfile_user()
    for component, pod in _pods(rendered):
        assert pod["automountServiceAccountToken"] is False, component
        context = pod["securityContext"]
        assert context["runAsNonRoot"] is True and context["runAsUser"] == uid, component
        assert context["runAsGroup"] == gid, component
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}, component
        for container in pod["containers"]:
            assert container["securityContext"] == {
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True,
                "capabilities": {"drop": ["ALL"]},
            }, component
            assert "/tmp" in _mounts(pod, container), f"{component} has nowhere to write temp files"
            resources = container["resources"]
            for name in ("cpu", "memory"):
                request = _quantity(resources["requests"][name])
                assert 0 < request <= _quantity(resources["limits"][name]), (component, name)


def test_every_deployment_keeps_two_pods_through_disruptions(rendered: list[Doc]) -> None:
    scalers = {
        d["spec"]["scaleTargetRef"]["name"]: d["spec"]
        for d in rendered
        if d["kind"] == "HorizontalPodAutoscaler"
    }
    budgets = [d["spec"] for d in rendered if d["kind"] == "PodDisruptionBudget"]
    for deployment in (d for d in rendered if d["kind"] == "Deployment"):
        name = deployment["metadata"]["name"]
        replicas = deployment["spec"].get("replicas") or scalers[name]["minReplicas"]
        assert replicas >= 2, name
        assert not (name in scalers and "replicas" in deployment["spec"]), (
            f"{name}: the autoscaler owns the replica count"
        )
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
        covering = [b for b in budgets if b["selector"]["matchLabels"].items() <= labels.items()]
        assert len(covering) == 1, f"{name} needs one PodDisruptionBudget"
        assert covering[0].get("maxUnavailable") == 1
    assert _one(rendered, "Deployment", "worker")["spec"]["replicas"] == 2
    assert scalers["vidstream-stream"]["minReplicas"] == 2


def test_ingress_terminates_tls_for_the_public_url(rendered: list[Doc]) -> None:
    ingress = _one(rendered, "Ingress", "gateway")["spec"]
    hosts = [rule["host"] for rule in ingress["rules"]]
    assert set(hosts) <= {h for tls in ingress["tls"] for h in tls["hosts"]}
    assert _config(rendered)["VIDSTREAM_PUBLIC_URL"] in {f"https://{h}" for h in hosts}
    (path,) = ingress["rules"][0]["http"]["paths"]
    assert (path["path"], path["pathType"]) == ("/", "Prefix")
    gateway = _one(rendered, "Service", "gateway")
    assert path["backend"]["service"] == {
        "name": gateway["metadata"]["name"],
        "port": {"name": gateway["spec"]["ports"][0]["name"]},
    }

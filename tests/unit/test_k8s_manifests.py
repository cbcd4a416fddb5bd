"""Structural checks for deploy/k8s (kustomize base, components, overlays) and the Dockerfile.

No cluster, kubectl or kustomize is needed: every YAML file is parsed with PyYAML and the
properties that matter (hardening, probes, wiring, secrets, routing, network policy) are
asserted directly on the source manifests.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.registry import PUBLIC_ROUTES

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
BASE = K8S / "base"
COMPONENTS = K8S / "components"
OVERLAYS = K8S / "overlays"
NAMESPACE = "live-social-analytics"
SERVICES = ("connector", "ingestor", "analytics", "alerts", "reports")
SCALE_OUT = ("ingestor", "analytics")
UID = 10001
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
ALLOWED_SECRETS = {
    "lsa-common",
    "lsa-connector-tokens",
    "lsa-platforms",
    "lsa-smtp",
    *(f"lsa-{svc}-db" for svc in SERVICES),
}
#: The ingestor's scheduled jobs run as CronJobs: name -> (schedule, args).
INGESTOR_CRONJOBS = {
    "ingestor-daily-sync": ("0 3 * * *", ["sync-daily"]),
    "ingestor-purge-raw-responses": ("30 4 * * *", ["purge-raw-responses"]),
}
ENV_NAME = re.compile(r"^(LSA_[A-Z0-9_]+|HOME|TMPDIR|PYTHON[A-Z0-9_]*)$")

#: The gateway behind `make run` and the Ingress must route the same table.
INGRESS_ROUTES = dict(PUBLIC_ROUTES)
#: Every service pod listens on two ports: the public one (API, /docs, probes; the Ingress
#: routes there) and the internal one (/metrics, /internal/*; never routed).
PUBLIC_PORT, INTERNAL_PORT = 8080, 9090
POD_PORTS = {"http": PUBLIC_PORT, "internal": INTERNAL_PORT}


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class Doc:
    path: Path
    obj: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind", ""))

    @property
    def name(self) -> str:
        return str(self.obj.get("metadata", {}).get("name", ""))

    @property
    def rel(self) -> str:
        return self.path.relative_to(K8S).as_posix()


def _load_all(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as fh:
        return [d for d in yaml.safe_load_all(fh) if d is not None]


YAML_FILES = sorted(p for p in K8S.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
PARSED: dict[Path, list[Any]] = {p: _load_all(p) for p in YAML_FILES}
KUSTOMIZATIONS: dict[Path, dict[str, Any]] = {
    p: PARSED[p][0] for p in YAML_FILES if p.name in KUSTOMIZATION_NAMES
}


def _patch_files() -> set[Path]:
    out: set[Path] = set()
    for kpath, k in KUSTOMIZATIONS.items():
        for patch in [*k.get("patches", []), *k.get("patchesStrategicMerge", [])]:
            rel = patch.get("path") if isinstance(patch, dict) else patch
            if rel:
                out.add((kpath.parent / rel).resolve())
    return out


PATCH_FILES = _patch_files()
MANIFESTS: list[Doc] = [
    Doc(p, d)
    for p in YAML_FILES
    if p.name not in KUSTOMIZATION_NAMES and p.resolve() not in PATCH_FILES
    for d in PARSED[p]
]


def _of_kind(kind: str, under: Path = K8S) -> list[Doc]:
    return [d for d in MANIFESTS if d.kind == kind and d.path.is_relative_to(under)]


DEPLOYMENTS = _of_kind("Deployment")
SERVICE_DEPLOYMENTS = [d for d in DEPLOYMENTS if d.name in SERVICES]
CRONJOBS = _of_kind("CronJob")
#: Everything that runs pods: hardening, resources, images and env apply to all of them.
WORKLOADS = DEPLOYMENTS + CRONJOBS
NETWORK_POLICIES = _of_kind("NetworkPolicy")


def _ids(docs: list[Doc]) -> list[str]:
    return [f"{d.rel}:{d.name}" for d in docs]


def _pod_template(doc: Doc) -> dict[str, Any]:
    """The pod template of a Deployment or a CronJob (spec.jobTemplate.spec.template)."""
    spec = doc.obj["spec"]
    if doc.kind == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    template: dict[str, Any] = spec["template"]
    return template


def _pod_spec(dep: Doc) -> dict[str, Any]:
    spec: dict[str, Any] = _pod_template(dep)["spec"]
    return spec


def _pod_labels(doc: Doc) -> dict[str, str]:
    labels: dict[str, str] = _pod_template(doc)["metadata"]["labels"]
    return labels


def _all_containers(dep: Doc) -> list[dict[str, Any]]:
    spec = _pod_spec(dep)
    return [*spec.get("initContainers", []), *spec["containers"]]


def _gen_sources(gen: dict[str, Any]) -> list[str]:
    files = [str(f).split("=", 1)[-1] for f in gen.get("files", [])]
    envs = list(gen.get("envs", []))
    if "env" in gen:
        envs.append(gen["env"])
    return [*files, *envs]


def _env_file_keys(path: Path) -> list[str]:
    keys = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            keys.append(line.split("=", 1)[0])
    return keys


def _resolve_secret_source(path: Path) -> Path | None:
    """A secretGenerator source: the file itself, or its committed *.example placeholder."""
    if path.is_file():
        return path
    example = path.with_name(path.name + ".example")
    if path.parent.name == "secrets" and example.is_file():
        return example
    return None


# --------------------------------------------------------------------------- layout


def test_layout_has_base_components_and_overlays() -> None:
    assert len(YAML_FILES) > 20
    assert {d.name for d in _of_kind("Deployment", BASE)} == set(SERVICES)
    assert {c.name for c in _of_kind("CronJob", BASE / "ingestor")} == set(INGESTOR_CRONJOBS)
    for comp in ("emulator", "hpa"):
        k = KUSTOMIZATIONS[COMPONENTS / comp / "kustomization.yaml"]
        assert k["kind"] == "Component"
        assert k["apiVersion"] == "kustomize.config.k8s.io/v1alpha1"
    for overlay in ("production", "staging"):
        k = KUSTOMIZATIONS[OVERLAYS / overlay / "kustomization.yaml"]
        assert k["kind"] == "Kustomization"
        assert "../../base" in k["resources"]
        assert k["namespace"] == NAMESPACE


def test_base_kustomization_namespace_labels_and_namespace_object() -> None:
    k = KUSTOMIZATIONS[BASE / "kustomization.yaml"]
    assert k["namespace"] == NAMESPACE
    assert "commonLabels" not in k, "commonLabels rewrites immutable selectors; use labels"
    pairs = [entry["pairs"] for entry in k["labels"]]
    assert {"app.kubernetes.io/part-of": NAMESPACE} in pairs
    namespaces = _of_kind("Namespace", BASE)
    assert [n.name for n in namespaces] == [NAMESPACE]
    labels = namespaces[0].obj["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


@pytest.mark.parametrize(
    "kpath", list(KUSTOMIZATIONS), ids=[p.relative_to(K8S).as_posix() for p in KUSTOMIZATIONS]
)
def test_kustomization_lists_only_existing_files(kpath: Path) -> None:
    k = KUSTOMIZATIONS[kpath]
    kdir = kpath.parent
    problems: list[str] = []
    for res in k.get("resources", []):
        target = (kdir / res).resolve()
        if target.is_dir():
            sub = next((target / n for n in KUSTOMIZATION_NAMES if (target / n).is_file()), None)
            if sub is None:
                problems.append(f"resource dir without kustomization: {res}")
            elif KUSTOMIZATIONS[sub].get("kind", "Kustomization") != "Kustomization":
                problems.append(f"resource is not a Kustomization: {res}")
        elif not target.is_file():
            problems.append(f"missing resource: {res}")
    for comp in k.get("components", []):
        target = (kdir / comp).resolve() / "kustomization.yaml"
        if not target.is_file():
            problems.append(f"missing component: {comp}")
        elif KUSTOMIZATIONS[target].get("kind") != "Component":
            problems.append(f"not a kind: Component: {comp}")
    for patch in [*k.get("patches", []), *k.get("patchesStrategicMerge", [])]:
        rel = patch.get("path") if isinstance(patch, dict) else patch
        if rel and not (kdir / rel).is_file():
            problems.append(f"missing patch: {rel}")
    for gen in k.get("configMapGenerator", []):
        problems += [f"missing: {s}" for s in _gen_sources(gen) if not (kdir / s).is_file()]
    for gen in k.get("secretGenerator", []):
        for src in _gen_sources(gen):
            if _resolve_secret_source(kdir / src) is None:
                problems.append(f"missing secret source (or its .example): {src}")
    assert not problems, problems


def test_every_yaml_file_is_referenced_by_a_kustomization() -> None:
    referenced: set[Path] = set(PATCH_FILES)
    for kpath, k in KUSTOMIZATIONS.items():
        for res in k.get("resources", []):
            referenced.add((kpath.parent / res).resolve())
    orphans = [
        p.relative_to(K8S).as_posix()
        for p in YAML_FILES
        if p.name not in KUSTOMIZATION_NAMES and p.resolve() not in referenced
    ]
    assert not orphans, f"YAML files no kustomization uses: {orphans}"


# --------------------------------------------------------------------------- workloads


@pytest.mark.parametrize("dep", WORKLOADS, ids=_ids(WORKLOADS))
def test_pod_security_context_is_hardened(dep: Doc) -> None:
    spec = _pod_spec(dep)
    psc = spec["securityContext"]
    assert psc["runAsNonRoot"] is True
    assert psc["runAsUser"] == UID
    assert psc["runAsGroup"] == UID
    assert psc["seccompProfile"]["type"] == "RuntimeDefault"
    assert spec["automountServiceAccountToken"] is False
    assert spec.get("hostNetwork", False) is False
    assert spec.get("hostPID", False) is False


@pytest.mark.parametrize("dep", WORKLOADS, ids=_ids(WORKLOADS))
def test_every_container_security_context_is_hardened(dep: Doc) -> None:
    for c in _all_containers(dep):
        sc = c.get("securityContext", {})
        where = f"{dep.name}/{c['name']}"
        assert sc.get("runAsNonRoot") is True, where
        assert sc.get("runAsUser") == UID, where
        assert sc.get("runAsGroup") == UID, where
        assert sc.get("readOnlyRootFilesystem") is True, where
        assert sc.get("allowPrivilegeEscalation") is False, where
        assert sc.get("privileged", False) is False, where
        assert sc.get("capabilities", {}).get("drop") == ["ALL"], where
        assert "add" not in sc.get("capabilities", {}), where
        assert sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", where


@pytest.mark.parametrize("dep", WORKLOADS, ids=_ids(WORKLOADS))
def test_every_container_has_requests_and_limits(dep: Doc) -> None:
    for c in _all_containers(dep):
        res = c.get("resources", {})
        for section in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(res.get(section, {})), f"{dep.name}/{c['name']}"


@pytest.mark.parametrize("dep", WORKLOADS, ids=_ids(WORKLOADS))
def test_tmp_is_a_writable_emptydir_in_every_container(dep: Doc) -> None:
    volumes = {v["name"]: v for v in _pod_spec(dep).get("volumes", [])}
    for c in _all_containers(dep):
        mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
        assert "/tmp" in mounts, f"{dep.name}/{c['name']} has no /tmp mount"  # noqa: S108
        assert "emptyDir" in volumes[mounts["/tmp"]]  # noqa: S108


@pytest.mark.parametrize("dep", DEPLOYMENTS, ids=_ids(DEPLOYMENTS))
def test_every_main_container_has_startup_liveness_and_readiness(dep: Doc) -> None:
    for c in _pod_spec(dep)["containers"]:
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert probe in c, f"{dep.name}/{c['name']} lacks {probe}"


@pytest.mark.parametrize("dep", SERVICE_DEPLOYMENTS, ids=_ids(SERVICE_DEPLOYMENTS))
def test_service_probes_use_healthz_and_readyz(dep: Doc) -> None:
    (c,) = _pod_spec(dep)["containers"]
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert c["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    # The probes stay on the public port, which serves /healthz and /readyz (the internal
    # one does not); kubelet reaches pod ports directly, the Ingress never routes them.
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert c[probe]["httpGet"]["port"] == "http"
    assert {p["name"]: p["containerPort"] for p in c["ports"]} == POD_PORTS


@pytest.mark.parametrize("dep", SERVICE_DEPLOYMENTS, ids=_ids(SERVICE_DEPLOYMENTS))
def test_service_runs_migrations_first_then_serves(dep: Doc) -> None:
    spec = _pod_spec(dep)
    (init,) = spec["initContainers"]
    (main,) = spec["containers"]
    assert init["args"] == ["migrate", dep.name]
    assert main["args"] == [
        "serve",
        dep.name,
        "--host",
        "0.0.0.0",
        "--port",
        str(PUBLIC_PORT),
        "--internal-port",
        str(INTERNAL_PORT),
    ]
    assert "command" not in main, "the image ENTRYPOINT (lsa) must stay in charge"
    assert init["image"] == main["image"]


@pytest.mark.parametrize("dep", SERVICE_DEPLOYMENTS, ids=_ids(SERVICE_DEPLOYMENTS))
def test_service_pod_operational_settings(dep: Doc) -> None:
    template = dep.obj["spec"]["template"]
    spec = template["spec"]
    ann = template["metadata"]["annotations"]
    assert ann["prometheus.io/scrape"] == "true"
    assert ann["prometheus.io/port"] == str(INTERNAL_PORT)  # /metrics is not on the public port
    assert ann["prometheus.io/path"] == "/metrics"
    assert spec["terminationGracePeriodSeconds"] >= 30
    labels = template["metadata"]["labels"]
    tsc = spec["topologySpreadConstraints"]
    assert {t["topologyKey"] for t in tsc} >= {"topology.kubernetes.io/zone"}
    for t in tsc:
        assert t["labelSelector"]["matchLabels"].items() <= labels.items()
    assert spec["serviceAccountName"] == dep.name


@pytest.mark.parametrize("dep", DEPLOYMENTS, ids=_ids(DEPLOYMENTS))
def test_deployment_selector_matches_its_pod_template(dep: Doc) -> None:
    selector = dep.obj["spec"]["selector"]["matchLabels"]
    labels = dep.obj["spec"]["template"]["metadata"]["labels"]
    assert selector
    assert selector.items() <= labels.items()


def test_service_accounts_exist_and_do_not_mount_tokens() -> None:
    accounts = {d.name: d for d in _of_kind("ServiceAccount")}
    for dep in WORKLOADS:
        sa = accounts[_pod_spec(dep)["serviceAccountName"]]
        assert sa.obj["automountServiceAccountToken"] is False


def _image_ok(image: str) -> bool:
    if "@sha256:" in image:
        return True
    last = image.rsplit("/", 1)[-1]
    return ":" in last and not last.endswith(":latest")


def test_images_are_pinned_and_never_latest() -> None:
    found = [(dep.kind, c["image"]) for dep in WORKLOADS for c in _all_containers(dep)]
    assert {kind for kind, _image in found} == {"Deployment", "CronJob"}
    images = [image for _kind, image in found]
    bad = [i for i in images if not _image_ok(i)]
    assert not bad, bad
    for kpath, k in KUSTOMIZATIONS.items():
        for entry in k.get("images", []):
            tag = entry.get("newTag")
            assert tag or entry.get("digest"), f"{kpath}: image {entry['name']} not pinned"
            assert tag != "latest", kpath


# --------------------------------------------------------------------------- services, PDBs


def test_every_service_selects_a_deployment_on_a_named_port() -> None:
    deps = {d.name: d for d in DEPLOYMENTS}
    services = _of_kind("Service")
    assert {s.name for s in services} >= set(SERVICES)
    for svc in services:
        dep = deps[svc.name]
        selector = svc.obj["spec"]["selector"]
        labels = dep.obj["spec"]["template"]["metadata"]["labels"]
        assert selector, svc.name
        assert selector.items() <= labels.items(), svc.name
        port_names = {p["name"] for c in _pod_spec(dep)["containers"] for p in c["ports"]}
        for port in svc.obj["spec"]["ports"]:
            assert port["targetPort"] in port_names, svc.name
        if svc.name in SERVICES:
            ports = {p["name"]: (p["port"], p["targetPort"]) for p in svc.obj["spec"]["ports"]}
            assert ports == {name: (number, name) for name, number in POD_PORTS.items()}
        else:
            assert [p["port"] for p in svc.obj["spec"]["ports"]] == [PUBLIC_PORT], svc.name


def test_every_deployment_has_a_matching_pdb() -> None:
    pdbs = {p.name: p for p in _of_kind("PodDisruptionBudget")}
    for dep in DEPLOYMENTS:
        pdb = pdbs[dep.name]
        labels = dep.obj["spec"]["template"]["metadata"]["labels"]
        assert pdb.obj["spec"]["selector"]["matchLabels"].items() <= labels.items()
        assert "maxUnavailable" in pdb.obj["spec"] or "minAvailable" in pdb.obj["spec"]


def test_hpa_component_targets_the_scale_out_consumers() -> None:
    hpas = _of_kind("HorizontalPodAutoscaler")
    assert {h.name for h in hpas} == set(SCALE_OUT)
    partitions = int(_configmap_literals(BASE, "lsa-config")["LSA_KAFKA_TOPIC_PARTITIONS"])
    for hpa in hpas:
        assert hpa.path.is_relative_to(COMPONENTS / "hpa")
        spec = hpa.obj["spec"]
        assert spec["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": hpa.name,
        }
        assert 2 <= spec["minReplicas"] <= spec["maxReplicas"] <= partitions


# --------------------------------------------------------------------------- cronjobs


def _ingestor() -> Doc:
    (dep,) = [d for d in DEPLOYMENTS if d.name == "ingestor" and d.path.is_relative_to(BASE)]
    return dep


def _ingestor_container() -> dict[str, Any]:
    containers: list[dict[str, Any]] = _pod_spec(_ingestor())["containers"]
    (main,) = containers
    return main


def test_ingestor_cronjobs_exist_with_their_schedules() -> None:
    schedules = {c.name: c.obj["spec"]["schedule"] for c in CRONJOBS}
    assert schedules == {name: sched for name, (sched, _args) in INGESTOR_CRONJOBS.items()}


@pytest.mark.parametrize("cron", CRONJOBS, ids=_ids(CRONJOBS))
def test_cronjob_runs_its_lsa_command_once_at_a_time(cron: Doc) -> None:
    spec = cron.obj["spec"]
    assert spec["timeZone"] == "Etc/UTC"
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["startingDeadlineSeconds"] == 3600
    assert spec["successfulJobsHistoryLimit"] >= 1
    assert spec["failedJobsHistoryLimit"] >= 1
    job = spec["jobTemplate"]["spec"]
    assert job["backoffLimit"] == 3
    assert job["activeDeadlineSeconds"] == 1800
    pod = _pod_spec(cron)
    assert pod["restartPolicy"] == "OnFailure"
    assert pod["serviceAccountName"] == "ingestor"
    assert "initContainers" not in pod
    (c,) = pod["containers"]
    assert c["args"] == INGESTOR_CRONJOBS[cron.name][1]
    assert "command" not in c, "the image ENTRYPOINT (lsa) must stay in charge"
    assert c["image"] == _ingestor_container()["image"]


@pytest.mark.parametrize("cron", CRONJOBS, ids=_ids(CRONJOBS))
def test_cronjob_has_the_ingestor_configuration(cron: Doc) -> None:
    (c,) = _pod_spec(cron)["containers"]
    main = _ingestor_container()
    assert [e["name"] for e in c["env"]] == [e["name"] for e in main["env"]]
    assert c["env"] == main["env"], "same secretKeyRefs and values as the ingestor"
    assert c["envFrom"] == main["envFrom"]
    assert c["resources"] == main["resources"]
    assert c["securityContext"] == main["securityContext"]
    assert _secret_refs(cron) == _secret_refs(_ingestor())


def test_ingestor_deployment_leaves_the_daily_trigger_to_the_cronjob() -> None:
    for c in _all_containers(_ingestor()):
        env = {e["name"]: e for e in c["env"]}
        assert env["LSA_INGESTOR_SCHEDULER_ENABLED"] == {
            "name": "LSA_INGESTOR_SCHEDULER_ENABLED",
            "value": "false",
        }, c["name"]


def _workload_selectors() -> list[tuple[str, dict[str, Any]]]:
    """Every selector that must pick only Deployment pods: Services, PDBs, Deployments
    (an HPA scales and measures the pods of its target Deployment's selector)."""
    found = [
        (f"Service/{s.name}", {"matchLabels": s.obj["spec"]["selector"]})
        for s in _of_kind("Service")
    ]
    found += [
        (f"PodDisruptionBudget/{p.name}", p.obj["spec"]["selector"])
        for p in _of_kind("PodDisruptionBudget")
    ]
    found += [(f"Deployment/{d.name}", d.obj["spec"]["selector"]) for d in DEPLOYMENTS]
    deps = {d.name: d for d in DEPLOYMENTS}
    for hpa in _of_kind("HorizontalPodAutoscaler"):
        target = deps[hpa.obj["spec"]["scaleTargetRef"]["name"]]
        found.append((f"HorizontalPodAutoscaler/{hpa.name}", target.obj["spec"]["selector"]))
    return found


@pytest.mark.parametrize("cron", CRONJOBS, ids=_ids(CRONJOBS))
def test_no_service_pdb_or_hpa_selects_cronjob_pods(cron: Doc) -> None:
    labels = _pod_labels(cron)
    assert labels["app.kubernetes.io/name"] == "ingestor", "needed by the NetworkPolicies"
    assert labels["app.kubernetes.io/component"] == "job"
    selectors = _workload_selectors()
    assert any(w.startswith("HorizontalPodAutoscaler/ingestor") for w, _s in selectors)
    wrong = [where for where, selector in selectors if _selects(selector, labels)]
    assert not wrong, f"{cron.name} pods selected by {wrong}"
    # ... while the ingestor's own pods are still selected by its Service, PDB and HPA
    ingestor_labels = _pod_labels(_ingestor())
    mine = [w for w, s in selectors if w.endswith("/ingestor") and _selects(s, ingestor_labels)]
    assert len(mine) == 4, mine


# --------------------------------------------------------------------------- ingress


def test_ingress_routes_exactly_the_public_path_table() -> None:
    ingresses = _of_kind("Ingress")
    assert len(ingresses) == 1
    spec = ingresses[0].obj["spec"]
    assert spec["ingressClassName"] == "nginx"
    routes: dict[str, str] = {}
    for rule in spec["rules"]:
        for p in rule["http"]["paths"]:
            assert p["pathType"] == "Prefix", p["path"]
            assert p["backend"]["service"]["port"] == {"number": PUBLIC_PORT}  # never internal
            assert p["path"] not in routes, f"duplicate path {p['path']}"
            routes[p["path"]] = p["backend"]["service"]["name"]
    assert routes == INGRESS_ROUTES
    for path in routes:
        assert "internal" not in path.split("/"), path
        assert not path.startswith(("/metrics", "/internal", "/healthz", "/readyz")), path
        assert path.startswith("/api/"), path
    assert "defaultBackend" not in spec


# --------------------------------------------------------------------------- secrets & config


def test_no_secret_objects_or_inline_secret_values_in_git() -> None:
    secrets = _of_kind("Secret")
    assert not secrets, f"Secret manifests in git: {_ids(secrets)}"
    assert "secretGenerator" not in KUSTOMIZATIONS[BASE / "kustomization.yaml"]
    for kpath, k in KUSTOMIZATIONS.items():
        for gen in k.get("secretGenerator", []):
            assert "literals" not in gen, f"{kpath}: inline secret literals"
            assert gen["name"] in ALLOWED_SECRETS, gen["name"]
            for src in _gen_sources(gen):
                assert Path(src).parts[0] == "secrets", f"{kpath}: {src} outside secrets/"


def test_secret_folders_are_git_ignored_and_hold_placeholders_only() -> None:
    folders = sorted(OVERLAYS.glob("*/secrets"))
    assert folders
    for folder in folders:
        ignore = (folder / ".gitignore").read_text(encoding="utf-8").split()
        assert "*" in ignore
        assert "!*.example" in ignore
        examples = sorted(folder.glob("*.example"))
        assert examples
        for example in examples:
            for raw in example.read_text(encoding="utf-8").splitlines():
                line = raw.strip()
                if line and not line.startswith("#"):
                    assert "CHANGE_ME" in line.split("=", 1)[1], f"{example}: {line}"


def _secret_refs(dep: Doc) -> set[str]:
    refs: set[str] = set()
    for c in _all_containers(dep):
        for env in c.get("env", []):
            ref = env.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                refs.add(ref["name"])
        for src in c.get("envFrom", []):
            if "secretRef" in src:
                refs.add(src["secretRef"]["name"])
    return refs


@pytest.mark.parametrize("dep", SERVICE_DEPLOYMENTS, ids=_ids(SERVICE_DEPLOYMENTS))
def test_services_get_only_their_own_secrets(dep: Doc) -> None:
    refs = _secret_refs(dep)
    assert refs <= ALLOWED_SECRETS
    assert {"lsa-common", f"lsa-{dep.name}-db"} <= refs
    other_dbs = {f"lsa-{s}-db" for s in SERVICES if s != dep.name}
    assert not refs & other_dbs, "a service must not see another service's database"
    connector_only = {"lsa-platforms", "lsa-connector-tokens"}
    if dep.name == "connector":
        assert connector_only <= refs
    else:
        assert not refs & connector_only


@pytest.mark.parametrize("dep", SERVICE_DEPLOYMENTS, ids=_ids(SERVICE_DEPLOYMENTS))
def test_init_and_main_container_see_the_same_configuration(dep: Doc) -> None:
    init, main = _all_containers(dep)
    assert init.get("env") == main.get("env")
    assert init.get("envFrom") == main.get("envFrom")
    assert {"configMapRef": {"name": "lsa-config"}} in main["envFrom"]
    names = {e["name"] for e in main["env"]}
    assert f"LSA_{dep.name.upper()}_DATABASE_URL" in names


def _all_env_names() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for dep in WORKLOADS:
        for c in _all_containers(dep):
            found += [(f"{dep.rel}:{c['name']}", e["name"]) for e in c.get("env", [])]
    for kpath, k in KUSTOMIZATIONS.items():
        where = kpath.relative_to(K8S).as_posix()
        for gen in [*k.get("configMapGenerator", []), *k.get("secretGenerator", [])]:
            found += [(where, lit.split("=", 1)[0]) for lit in gen.get("literals", [])]
            for env_file in gen.get("envs", []):
                source = _resolve_secret_source(kpath.parent / env_file)
                assert source is not None
                found += [(source.name, key) for key in _env_file_keys(source)]
    return found


def test_every_env_var_name_is_lsa_prefixed_or_runtime() -> None:
    names = _all_env_names()
    assert len(names) > 50
    bad = [(where, n) for where, n in names if not ENV_NAME.match(n)]
    assert not bad, bad


def _configmap_literals(kdir: Path, name: str) -> dict[str, str]:
    k = KUSTOMIZATIONS[kdir / "kustomization.yaml"]
    (gen,) = [g for g in k.get("configMapGenerator", []) if g["name"] == name]
    return dict(lit.split("=", 1) for lit in gen["literals"])


def test_base_config_covers_the_common_settings() -> None:
    cfg = _configmap_literals(BASE, "lsa-config")
    required = {
        "LSA_PROFILE",
        "LSA_LOG_FORMAT",
        "LSA_LOG_LEVEL",
        "LSA_KAFKA_BOOTSTRAP_SERVERS",
        "LSA_KAFKA_ACKS",
        "LSA_KAFKA_ENABLE_IDEMPOTENCE",
        "LSA_KAFKA_TOPIC_PARTITIONS",
        "LSA_KAFKA_REPLICATION_FACTOR",
        "LSA_KAFKA_SECURITY_PROTOCOL",
        "LSA_JWT_ALGORITHM",
        "LSA_JWT_AUDIENCE",
        "LSA_JWT_ISSUER",
        "LSA_CONNECTOR_URL",
    }
    assert required <= cfg.keys()
    assert cfg["LSA_KAFKA_ACKS"] == "all"
    # The ingestor borrows tokens on the connector's internal port (its Service port too).
    assert cfg["LSA_CONNECTOR_URL"] == f"http://connector:{INTERNAL_PORT}"
    secret_looking = [k for k in cfg if re.search(r"SECRET|PASSWORD|TOKEN|DATABASE_URL", k)]
    assert not secret_looking


def test_production_overlay() -> None:
    k = KUSTOMIZATIONS[OVERLAYS / "production" / "kustomization.yaml"]
    cfg = _configmap_literals(OVERLAYS / "production", "lsa-config")
    assert cfg["LSA_PROFILE"] == "prod"
    assert cfg["LSA_LOG_FORMAT"] == "json"
    assert cfg["LSA_KAFKA_ENABLE_IDEMPOTENCE"] == "true"
    assert cfg["LSA_KAFKA_ACKS"] == "all"
    assert cfg["LSA_KAFKA_REPLICATION_FACTOR"] == "3"
    assert "../../components/hpa" in k["components"]
    assert "../../components/emulator" not in k.get("components", [])
    assert all(e.get("newTag") or e.get("digest") for e in k["images"])
    replicas = {r["name"]: r["count"] for r in k["replicas"]}
    for svc in SERVICES:
        # scale-out consumers are owned by their HPA (minReplicas >= 2, checked above)
        assert svc in SCALE_OUT or replicas[svc] >= 2, svc
    generated = {g["name"] for g in k["secretGenerator"]}
    assert ALLOWED_SECRETS - {"lsa-smtp"} <= generated


def test_staging_overlay_uses_the_emulator() -> None:
    k = KUSTOMIZATIONS[OVERLAYS / "staging" / "kustomization.yaml"]
    assert "../../components/emulator" in k["components"]
    comp = _configmap_literals(COMPONENTS / "emulator", "lsa-config")
    assert comp == {"LSA_PLATFORM_EMULATOR_URL": "http://emulator:8080"}
    (gen,) = KUSTOMIZATIONS[COMPONENTS / "emulator" / "kustomization.yaml"]["configMapGenerator"]
    assert gen["behavior"] == "merge"
    (emulator,) = [d for d in DEPLOYMENTS if d.name == "emulator"]
    assert emulator.path.is_relative_to(COMPONENTS / "emulator")
    (c,) = _pod_spec(emulator)["containers"]
    assert c["args"] == ["emulator", "--host", "0.0.0.0", "--port", "8080"]
    assert not _secret_refs(emulator)


# --------------------------------------------------------------------------- network policy


def _selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    if selector is None:
        return False
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions", []):
        op, key, values = expr["operator"], expr["key"], expr.get("values", [])
        ok = {
            "In": labels.get(key) in values,
            "NotIn": labels.get(key) not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[op]
        if not ok:
            return False
    return True


@dataclass(frozen=True)
class Peer:
    """The far end of a connection: a pod (app label + namespace) or an outside address."""

    namespace: str | None = None
    app: str | None = None
    ip: str | None = None

    def matches(self, rule_peer: dict[str, Any]) -> bool:
        if "ipBlock" in rule_peer:
            if self.ip is None:
                return False
            addr = ipaddress.ip_address(self.ip)
            block = rule_peer["ipBlock"]
            net = ipaddress.ip_network(block["cidr"])
            if addr.version != net.version or addr not in net:
                return False
            return not any(
                addr.version == ipaddress.ip_network(e).version and addr in ipaddress.ip_network(e)
                for e in block.get("except", [])
            )
        if self.namespace is None:
            return False
        pod_labels = {"app.kubernetes.io/name": self.app} if self.app else {}
        ns_labels = {"kubernetes.io/metadata.name": self.namespace}
        if "namespaceSelector" in rule_peer:
            if not _selects(rule_peer["namespaceSelector"], ns_labels):
                return False
        elif self.namespace != NAMESPACE:
            return False
        return "podSelector" not in rule_peer or _selects(rule_peer["podSelector"], pod_labels)


def _allowed(
    policies: list[Doc],
    app: str | dict[str, str],
    direction: str,
    peer: Peer,
    port: int,
    protocol: str = "TCP",
) -> bool:
    """Would traffic from/to pod `app` (a name or the pod's labels) be allowed in
    `direction` ('Ingress' or 'Egress')?"""
    labels = {"app.kubernetes.io/name": app} if isinstance(app, str) else app
    selecting = [
        p.obj["spec"]
        for p in policies
        if _selects(p.obj["spec"]["podSelector"], labels)
        and direction in p.obj["spec"].get("policyTypes", ["Ingress"])
    ]
    if not selecting:
        return True  # not isolated in this direction
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    for spec in selecting:
        for rule in spec.get(key, []):
            ports = rule.get("ports")
            port_ok = ports is None or any(
                p.get("port") == port and p.get("protocol", "TCP") == protocol for p in ports
            )
            peers = rule.get(peers_key)
            peer_ok = peers is None or any(peer.matches(rp) for rp in peers)
            if port_ok and peer_ok:
                return True
    return False


BASE_POLICIES = [p for p in NETWORK_POLICIES if p.path.is_relative_to(BASE)]
STAGING_POLICIES = BASE_POLICIES + [
    p for p in NETWORK_POLICIES if p.path.is_relative_to(COMPONENTS / "emulator")
]
INTERNET = "203.0.113.10"
POD = NAMESPACE


def test_default_deny_policy_covers_ingress_and_egress() -> None:
    deny = [
        p
        for p in BASE_POLICIES
        if p.obj["spec"]["podSelector"] == {}
        and set(p.obj["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}
        and not p.obj["spec"].get("ingress")
        and not p.obj["spec"].get("egress")
    ]
    assert len(deny) == 1


def _flow(src: str, dst: str, port: int, protocol: str = "TCP") -> bool:
    """src/dst: an app in our namespace, 'ns:<namespace>[/<app>]' or 'ip:<address>'."""

    def peer(spec: str) -> Peer:
        if spec.startswith("ns:"):
            namespace, _, app = spec[3:].partition("/")
            return Peer(namespace=namespace, app=app or None)
        if spec.startswith("ip:"):
            return Peer(ip=spec[3:])
        return Peer(namespace=POD, app=spec)

    policies = STAGING_POLICIES
    ok = True
    if not src.startswith(("ns:", "ip:")):
        ok = _allowed(policies, src, "Egress", peer(dst), port, protocol)
    if not dst.startswith(("ns:", "ip:")):
        ok = ok and _allowed(policies, dst, "Ingress", peer(src), port, protocol)
    return ok


ALLOWED_FLOWS = [
    *[("ns:ingress-nginx", svc, PUBLIC_PORT) for svc in SERVICES],
    *[("ns:monitoring/prometheus", svc, INTERNAL_PORT) for svc in SERVICES],
    ("ingestor", "connector", INTERNAL_PORT),
    *[(svc, "ns:kube-system", 53, proto) for svc in SERVICES for proto in ("UDP", "TCP")],
    *[
        (svc, dst, port)
        for svc in SERVICES
        for dst in (f"ip:{INTERNET}", "ns:kafka")
        for port in (9092, 9093, 5432)
    ],
    ("connector", f"ip:{INTERNET}", 443),
    ("ingestor", f"ip:{INTERNET}", 443),
    ("alerts", f"ip:{INTERNET}", 587),
    ("alerts", f"ip:{INTERNET}", 465),
    ("reports", f"ip:{INTERNET}", 587),
    ("reports", f"ip:{INTERNET}", 465),
    ("connector", "emulator", 8080),
    ("ingestor", "emulator", 8080),
]
DENIED_FLOWS = [
    ("analytics", "connector", 8080),
    ("alerts", "connector", 8080),
    ("connector", "ingestor", 8080),
    ("ns:default", "connector", 8080),
    ("ns:ingress-nginx", "emulator", 8080),
    # the internal port (/metrics, /internal/*): only Prometheus, and the ingestor to the connector
    *[("ns:ingress-nginx", svc, INTERNAL_PORT) for svc in SERVICES],
    ("ns:monitoring", "connector", INTERNAL_PORT),  # another pod of the monitoring namespace
    ("ns:monitoring/grafana", "analytics", INTERNAL_PORT),
    ("ns:default/prometheus", "connector", INTERNAL_PORT),
    ("ns:monitoring/prometheus", "connector", PUBLIC_PORT),  # it scrapes 9090 only
    ("analytics", "connector", INTERNAL_PORT),
    ("reports", "connector", INTERNAL_PORT),
    ("ingestor", "analytics", INTERNAL_PORT),
    ("ingestor", "connector", PUBLIC_PORT),  # the token routes are not on 8080
    ("analytics", f"ip:{INTERNET}", 443),
    ("alerts", f"ip:{INTERNET}", 443),
    ("connector", "ip:169.254.169.254", 443),
    ("ingestor", "ip:10.0.0.5", 443),
    ("connector", f"ip:{INTERNET}", 587),
    ("connector", f"ip:{INTERNET}", 80),
    ("analytics", "emulator", 8080),
    ("emulator", f"ip:{INTERNET}", 443),
    ("connector", "ns:default", 53),
]


@pytest.mark.parametrize("flow", ALLOWED_FLOWS, ids=[str(f) for f in ALLOWED_FLOWS])
def test_network_policy_allows_required_flow(flow: tuple[Any, ...]) -> None:
    assert _flow(*flow)


@pytest.mark.parametrize("flow", DENIED_FLOWS, ids=[str(f) for f in DENIED_FLOWS])
def test_network_policy_denies_other_flow(flow: tuple[Any, ...]) -> None:
    assert not _flow(*flow)


@pytest.mark.parametrize("cron", CRONJOBS, ids=_ids(CRONJOBS))
def test_network_policy_lets_cronjob_pods_reach_kafka_postgres_and_dns(cron: Doc) -> None:
    labels = _pod_labels(cron)
    for policies in (BASE_POLICIES, STAGING_POLICIES):
        for port in (9092, 9093, 5432):
            for peer in (Peer(ip=INTERNET), Peer(namespace="kafka")):
                assert _allowed(policies, labels, "Egress", peer, port), (port, peer)
        for proto in ("UDP", "TCP"):
            assert _allowed(policies, labels, "Egress", Peer(namespace="kube-system"), 53, proto)
        assert not _allowed(policies, labels, "Egress", Peer(ip="10.0.0.5"), 443)
        assert not _allowed(policies, labels, "Ingress", Peer(namespace="default"), 8080)


def test_network_policies_select_existing_workloads() -> None:
    apps = {d.name for d in DEPLOYMENTS}
    for pol in NETWORK_POLICIES:
        selector = pol.obj["spec"]["podSelector"]
        if selector == {}:
            continue
        assert any(_selects(selector, {"app.kubernetes.io/name": a}) for a in apps), pol.name


# --------------------------------------------------------------------------- image recipe


def test_dockerfile_is_multistage_non_root_and_secret_free() -> None:
    raw = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    text = "\n".join(line for line in raw.splitlines() if not line.lstrip().startswith("#"))
    froms = re.findall(r"^FROM\s+(\S+)", text, flags=re.MULTILINE)
    assert len(froms) >= 2
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim", text, flags=re.MULTILINE)
    assert "pip install --no-cache-dir -c constraints.txt ." in text
    assert "[dev]" not in text
    assert re.search(r"^USER 10001(:10001)?$", text, flags=re.MULTILINE)
    assert 'ENTRYPOINT ["lsa"]' in text
    for env in ("HOME=/tmp", "TMPDIR=/tmp", "PYTHONDONTWRITEBYTECODE=1"):
        assert env in text
    # no credentials baked in (ENV/ARG values persist in the image history)
    assert not re.search(r"(SECRET|PASSWORD|TOKEN|KEYS?|DATABASE_URL)\w*=", text, re.IGNORECASE)
    # the last stage must be the non-root runtime stage
    last_stage = text.rsplit("\nFROM ", 1)[1]
    assert "USER 10001" in last_stage
    assert "COPY . ." not in last_stage


def test_dockerignore_keeps_junk_and_secrets_out_of_the_context() -> None:
    lines = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".git", ".venv", "data", "*.db", ".pytest_cache", "**/secrets"} <= lines

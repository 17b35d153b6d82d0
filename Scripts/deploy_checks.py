#!/usr/bin/env python3
"""Checks of the deployment files that no schema makes (Scripts/lint-deploy.sh runs them).

  deploy_checks.py kustomization Deploy   the kustomization lists exactly the manifests in the folder, and
                                          the manifests agree with each other (selectors, ports, target,
                                          requests = limits, grace period > preStop + drain)
  deploy_checks.py compose compose.yaml   compose.yaml has the Compose file's structure, known keys only,
                                          and a stop grace period longer than the drain timeout

Prints one line per finding and exits 1 if there is any.
"""

import pathlib
import re
import sys

import yaml

KUSTOMIZATION = "kustomization.yaml"

COMPOSE_TOP_LEVEL = {"name", "version", "services", "networks", "volumes", "configs", "secrets", "include", "models"}
# The service keys of the Compose specification.
COMPOSE_SERVICE_KEYS = set(
    """annotations attach blkio_config build cap_add cap_drop cgroup cgroup_parent command configs container_name
    cpu_count cpu_percent cpu_period cpu_quota cpu_rt_period cpu_rt_runtime cpu_shares cpus cpuset credential_spec
    depends_on deploy develop device_cgroup_rules devices dns dns_opt dns_search domainname entrypoint env_file
    environment expose extends external_links extra_hosts gpus group_add healthcheck hostname image init ipc
    isolation label_file labels links logging mac_address mem_limit mem_reservation mem_swappiness memswap_limit
    models network_mode networks oom_kill_disable oom_score_adj pid pids_limit platform ports post_start pre_stop
    privileged profiles provider pull_policy read_only restart runtime scale secrets security_opt shm_size
    stdin_open stop_grace_period stop_signal storage_opt sysctls tmpfs tty ulimits use_api_socket user
    userns_mode uts volumes volumes_from working_dir""".split()
)
COMPOSE_HEALTHCHECK_KEYS = {"test", "interval", "timeout", "retries", "start_period", "start_interval", "disable"}
DEFAULT_DRAIN_SECONDS = 25.0


def load_documents(path):
    with open(path) as stream:
        return [document for document in yaml.safe_load_all(stream) if document is not None]


def seconds(duration):
    """A Compose duration ("35s", "1m30s", "500ms") or a plain number of seconds."""
    if isinstance(duration, (int, float)):
        return float(duration)
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|ms|m|s|us)", str(duration))
    if not parts or "".join(number + unit for number, unit in parts) != str(duration):
        raise ValueError(f"not a duration: {duration!r}")
    scale = {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6}
    return sum(float(number) * scale[unit] for number, unit in parts)


def matches(selector, labels):
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def check_kustomization(folder):
    folder = pathlib.Path(folder)
    findings = []
    (kustomization,) = load_documents(folder / KUSTOMIZATION)
    if kustomization.get("kind") != "Kustomization":
        findings.append(f"{KUSTOMIZATION}: kind is {kustomization.get('kind')!r}, not 'Kustomization'")
    listed = kustomization.get("resources") or []
    present = sorted(p.name for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.name != KUSTOMIZATION)
    for name in sorted(set(listed) - set(present)):
        findings.append(f"{KUSTOMIZATION}: lists {name}, which is not in {folder}")
    for name in sorted(set(present) - set(listed)):
        findings.append(f"{KUSTOMIZATION}: does not list {name}")
    if len(listed) != len(set(listed)):
        findings.append(f"{KUSTOMIZATION}: lists a file twice")

    objects = {}
    for name in present:
        for document in load_documents(folder / name):
            objects.setdefault(document.get("kind"), []).append(document)
    deployments = objects.get("Deployment", [])
    if len(deployments) != 1:
        return findings + [f"expected one Deployment, found {len(deployments)}"]
    deployment = deployments[0]
    pod = deployment["spec"]["template"]
    pod_labels = pod["metadata"].get("labels", {})
    containers = pod["spec"]["containers"]
    port_names = {port.get("name") for container in containers for port in container.get("ports", [])}

    if not matches(deployment["spec"]["selector"].get("matchLabels"), pod_labels):
        findings.append("Deployment: selector does not match its pod labels")
    for service in objects.get("Service", []):
        if not matches(service["spec"].get("selector"), pod_labels):
            findings.append(f"Service {service['metadata']['name']}: selector does not match the pods")
        for port in service["spec"].get("ports", []):
            if isinstance(port.get("targetPort"), str) and port["targetPort"] not in port_names:
                findings.append(f"Service: targetPort {port['targetPort']!r} is no container port name")
    for budget in objects.get("PodDisruptionBudget", []):
        if not matches(budget["spec"]["selector"].get("matchLabels"), pod_labels):
            findings.append("PodDisruptionBudget: selector does not match the pods")
    for autoscaler in objects.get("HorizontalPodAutoscaler", []):
        target = autoscaler["spec"]["scaleTargetRef"]
        if (target.get("kind"), target.get("name")) != ("Deployment", deployment["metadata"]["name"]):
            findings.append(f"HorizontalPodAutoscaler: targets {target.get('kind')}/{target.get('name')}")

    grace = pod["spec"].get("terminationGracePeriodSeconds", 30)
    for container in containers:
        name = container["name"]
        resources = container.get("resources", {})
        for resource in ("cpu", "memory"):
            request = resources.get("requests", {}).get(resource)
            limit = resources.get("limits", {}).get(resource)
            if request is None or str(request) != str(limit):
                findings.append(f"container {name}: {resource} request {request!r} is not its limit {limit!r}")
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            port = container.get(probe, {}).get("httpGet", {}).get("port")
            if isinstance(port, str) and port not in port_names:
                findings.append(f"container {name}: {probe} port {port!r} is no container port name")
        command = container.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
        delay = float(command[1]) if len(command) == 2 and command[0] == "sleep" else 0.0
        env = {variable["name"]: variable.get("value") for variable in container.get("env", [])}
        drain = float(env.get("REWARD_SERVER_DRAIN_TIMEOUT") or DEFAULT_DRAIN_SECONDS)
        if grace <= delay + drain:
            findings.append(
                f"container {name}: terminationGracePeriodSeconds {grace} is not longer than "
                f"preStop {delay:g} s + drain {drain:g} s"
            )
    return findings


def check_compose(path):
    findings = []
    (compose,) = load_documents(path)
    for key in sorted(set(compose) - COMPOSE_TOP_LEVEL):
        if not key.startswith("x-"):
            findings.append(f"{path}: unknown top-level key {key!r}")
    services = compose.get("services")
    if not isinstance(services, dict) or not services:
        return findings + [f"{path}: no services"]
    declared_volumes = set(compose.get("volumes") or {})
    for name, service in services.items():
        where = f"{path}: service {name}"
        for key in sorted(set(service) - COMPOSE_SERVICE_KEYS):
            if not key.startswith("x-"):
                findings.append(f"{where}: unknown key {key!r}")
        if "image" not in service and "build" not in service:
            findings.append(f"{where}: neither image nor build")
        environment = service.get("environment") or {}
        if not isinstance(environment, dict):
            findings.append(f"{where}: environment should be a mapping")
            environment = {}
        healthcheck = service.get("healthcheck")
        if not isinstance(healthcheck, dict) or "test" not in healthcheck:
            findings.append(f"{where}: no healthcheck test")
        else:
            for key in sorted(set(healthcheck) - COMPOSE_HEALTHCHECK_KEYS):
                findings.append(f"{where}: unknown healthcheck key {key!r}")
        for volume in service.get("volumes") or []:
            source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
            if source and not source.startswith((".", "/", "~")) and source not in declared_volumes:
                findings.append(f"{where}: volume {source!r} is not declared under volumes")
        try:
            drain = float(environment.get("REWARD_SERVER_DRAIN_TIMEOUT") or DEFAULT_DRAIN_SECONDS)
            grace = seconds(service.get("stop_grace_period", "10s"))
            if grace <= drain:
                findings.append(f"{where}: stop_grace_period {grace:g} s is not longer than the drain {drain:g} s")
        except ValueError as error:
            findings.append(f"{where}: {error}")
    return findings


def main(argv):
    checks = {"kustomization": check_kustomization, "compose": check_compose}
    if len(argv) != 3 or argv[1] not in checks:
        print(__doc__, file=sys.stderr)
        return 2
    findings = checks[argv[1]](argv[2])
    for finding in findings:
        print(finding)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

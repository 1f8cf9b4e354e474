/**
 * On the swarm target, the fields that only make sense on one host, or that a Swarm
 * service cannot carry, are errors at their own line: fleetd never drops or rewrites
 * them silently (`docker stack deploy` prints "Ignoring unsupported options" and goes on,
 * which is how a privileged or device-bound service ends up running without them).
 * `depends_on` is a warning: Swarm has no start order, but the file still works.
 */
import type { DesiredService } from "../domain/DesiredState.ts"
import type { SwarmDeploy } from "../domain/SwarmDeploy.ts"
import type { Manifest, Service } from "./Manifest.ts"
import { type PathIssue, pathIssue } from "./PathIssue.ts"

const noSwarmField =
  "a Swarm service has no such field (docker stack deploy ignores it); remove it, or keep this service on a single-engine fleetd"

/** Compose keys a Swarm ServiceSpec cannot express (docker/cli convert lists most of them as unsupported). */
const unsupported: ReadonlyArray<readonly [keyof Service, string]> = [
  ["privileged", noSwarmField],
  ["devices", noSwarmField],
  ["device_cgroup_rules", noSwarmField],
  ["gpus", "use deploy.resources.reservations.generic_resources on Swarm (not supported by fleetd yet)"],
  ["pid", noSwarmField],
  ["ipc", noSwarmField],
  ["uts", noSwarmField],
  ["userns_mode", noSwarmField],
  ["cgroup", noSwarmField],
  ["cgroup_parent", noSwarmField],
  ["links", "Swarm services find each other by service name on a shared network; remove links"],
  ["external_links", noSwarmField],
  ["volumes_from", noSwarmField],
  ["security_opt", noSwarmField],
  ["shm_size", noSwarmField],
  ["mac_address", noSwarmField],
  ["domainname", noSwarmField],
  ["cpu_shares", noSwarmField],
  ["cpuset", noSwarmField],
  ["cpu_quota", noSwarmField],
  ["cpu_period", noSwarmField],
  ["cpu_count", noSwarmField],
  ["cpu_percent", noSwarmField],
  ["cpu_rt_period", noSwarmField],
  ["cpu_rt_runtime", noSwarmField],
  ["mem_swappiness", noSwarmField],
  ["memswap_limit", noSwarmField],
  ["oom_kill_disable", noSwarmField],
  ["oom_score_adj", noSwarmField],
  ["blkio_config", noSwarmField],
  ["storage_opt", noSwarmField],
  ["runtime", noSwarmField],
  ["platform", noSwarmField],
  ["annotations", noSwarmField],
  [
    "build",
    "every node pulls the image itself: build and push it to a registry the nodes reach, and give image:",
  ],
]

export const checkSwarmFields = (
  service: DesiredService,
  raw: Service,
  deploy: SwarmDeploy,
): { readonly issues: ReadonlyArray<PathIssue>; readonly warnings: ReadonlyArray<PathIssue> } => {
  const at = ["services", service.name] as const
  const issues: Array<PathIssue> = []
  const warnings: Array<PathIssue> = []
  for (const [key, hint] of unsupported)
    if (raw[key] !== undefined)
      issues.push(
        pathIssue([...at, key], `${key} is not supported on the swarm target`, { onKey: true, hint }),
      )

  if (raw.container_name !== undefined)
    issues.push(
      pathIssue([...at, "container_name"], "container_name only makes sense on one host", {
        onKey: true,
        hint: "Swarm names each task <service>.<slot>.<id>; a fixed name cannot be given to several replicas or nodes: remove it",
      }),
    )
  const mode = raw.network_mode
  if (mode === "host" && deploy.mode === "replicated")
    issues.push(
      pathIssue(
        [...at, "network_mode"],
        "network_mode: host on a replicated service only makes sense on one host",
        {
          hint: "replicas sharing a node would fight over its ports: use deploy.mode: global (one task per node), or publish ports in mode: host",
        },
      ),
    )
  else if (mode !== undefined && mode !== "host")
    issues.push(
      pathIssue([...at, "network_mode"], `network_mode: ${mode} is not supported on the swarm target`, {
        hint: "Swarm services join networks (overlay, or host for a global service): use networks:",
      }),
    )
  for (const [i, v] of (raw.volumes ?? []).entries())
    if (v.type === "bind" && v.source !== undefined && !v.source.startsWith("/"))
      issues.push(
        pathIssue([...at, "volumes", i], `the relative bind mount ${v.source} only makes sense on one host`, {
          hint: "a task may run on any node, where this repository is not checked out: use a named volume, or a config once fleetd supports Swarm configs",
        }),
      )
  for (const [i, bindings] of (raw.ports ?? []).entries())
    if (bindings.some((b) => b.hostIp !== undefined))
      issues.push(
        pathIssue(
          [...at, "ports", i],
          "a host address on a published port is not supported on the swarm target",
          {
            hint: "Swarm publishes on every address of every node (ingress), or of the task's node (mode: host): remove the address",
          },
        ),
      )
  if (deploy.endpointMode === "dnsrr" && service.spec.ports.some((p) => p.mode === undefined))
    issues.push(
      pathIssue(
        [...at, "deploy", "endpoint_mode"],
        "endpoint_mode: dnsrr cannot publish ports through the ingress network",
        {
          hint: "Swarm refuses it: publish the ports with mode: host, or use endpoint_mode: vip",
        },
      ),
    )
  const fleetd = raw["x-fleetd"]
  for (const key of ["hooks", "update", "self"] as const)
    if (fleetd?.[key] !== undefined)
      issues.push(
        pathIssue([...at, "x-fleetd", key], `x-fleetd.${key} is not supported on the swarm target`, {
          onKey: true,
          hint:
            key === "update"
              ? "Swarm rolls services out itself: use deploy.update_config and deploy.rollback_config"
              : "fleetd does not run this on Swarm services yet",
        }),
      )
  if (service.dependsOn.length > 0)
    warnings.push(
      pathIssue([...at, "depends_on"], "depends_on has no effect on Swarm: services start in any order", {
        onKey: true,
      }),
    )
  return { issues, warnings }
}

/** Networks: Swarm services can only join swarm-scoped ones, so a declared driver must be overlay. */
export const checkSwarmNetworks = (manifest: Manifest): ReadonlyArray<PathIssue> =>
  Object.entries(manifest.networks ?? {}).flatMap(([key, n]) =>
    n?.driver !== undefined && n.driver !== "overlay" && n.external === undefined
      ? [
          pathIssue(["networks", key, "driver"], `driver ${n.driver} is not supported on the swarm target`, {
            hint: "Swarm services join overlay networks: remove driver (fleetd creates overlay networks), or write driver: overlay",
          }),
        ]
      : [],
  )

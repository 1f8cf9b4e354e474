/**
 * Checks that need the whole manifest rather than one field: names, references
 * between services, networks and volumes, dependency cycles, host port clashes and
 * reserved labels. Pure; every finding is a PathIssue the caller positions.
 */
import type { PortBinding } from "../domain/ContainerSpec.ts"
import { containerName, LabelPrefix, NextSuffix } from "../domain/labels.ts"
import { checkContainerNames } from "./checkContainerNames.ts"
import { checkSelfService } from "./checkSelfService.ts"
import type { Manifest, Service } from "./Manifest.ts"
import { formatPath } from "./ManifestError.ts"
import { checkLinks } from "./normalizeNetworking.ts"
import { type PathIssue, pathIssue } from "./PathIssue.ts"

export const serviceNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/
export const fleetNamePattern = /^[a-z0-9][a-z0-9_-]*$/
/** Docker's own rule for container names. */
const dockerNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/

/** Every binding with the index of the entry that wrote it. */
export const servicePorts = (service: Service): ReadonlyArray<readonly [number, PortBinding]> =>
  (service.ports ?? []).flatMap((bindings, index) => bindings.map((p) => [index, p] as const))

const isWildcard = (ip: string | undefined) => ip === undefined || ip === "0.0.0.0" || ip === "::"

const checkLabels = (labels: Service["labels"], path: ReadonlyArray<PropertyKey>): Array<PathIssue> =>
  (labels ?? [])
    .filter((e) => e.key.startsWith(LabelPrefix))
    .map((e) =>
      pathIssue([...path, e.at], `label "${e.key}" uses the reserved prefix "${LabelPrefix}"`, {
        onKey: typeof e.at === "string",
        hint: "fleetd sets its own fleetd.* labels; rename yours",
      }),
    )

const findCycle = (graph: ReadonlyMap<string, ReadonlyArray<string>>): ReadonlyArray<string> | undefined => {
  const state = new Map<string, "visiting" | "done">()
  const stack: Array<string> = []
  const visit = (node: string): ReadonlyArray<string> | undefined => {
    if (state.get(node) === "done") return undefined
    if (state.get(node) === "visiting") return [...stack.slice(stack.indexOf(node)), node]
    state.set(node, "visiting")
    stack.push(node)
    for (const next of graph.get(node) ?? []) {
      const cycle = graph.has(next) ? visit(next) : undefined
      if (cycle !== undefined) return cycle
    }
    stack.pop()
    state.set(node, "done")
    return undefined
  }
  for (const node of [...graph.keys()].sort()) {
    const cycle = visit(node)
    if (cycle !== undefined) return cycle
  }
  return undefined
}

export const checkManifest = (manifest: Manifest, fleet: string): Array<PathIssue> => {
  const issues: Array<PathIssue> = []
  const services = manifest.services ?? {}
  const networks = manifest.networks ?? {}
  const volumes = manifest.volumes ?? {}
  const published: Array<{ binding: PortBinding; path: ReadonlyArray<PropertyKey> }> = []
  const graph = new Map<string, ReadonlyArray<string>>()

  for (const [name, service] of Object.entries(services).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const at = ["services", name]
    if (!serviceNamePattern.test(name))
      issues.push(
        pathIssue(at, `service name "${name}" must match ${serviceNamePattern.source}`, { onKey: true }),
      )
    else if (name.endsWith(NextSuffix) || /--prev(-[0-9]+)?$/.test(name))
      issues.push(
        pathIssue(
          at,
          `service name "${name}" must not end with "${NextSuffix}", "--prev" or "--prev-<number>"`,
          {
            onKey: true,
            hint: `fleetd creates replacements under <name>${NextSuffix} and keeps the old container as <name>--prev while it finishes`,
          },
        ),
      )
    else if (service.container_name === undefined && !dockerNamePattern.test(containerName(fleet, name)))
      issues.push(
        pathIssue(at, `container name "${containerName(fleet, name)}" is not a valid container name`, {
          onKey: true,
        }),
      )

    for (const [index, binding] of servicePorts(service)) {
      if (binding.published === undefined) continue
      const path = [...at, "ports", index]
      const clash = published.find(
        (p) =>
          p.binding.published === binding.published &&
          p.binding.protocol === binding.protocol &&
          (p.binding.hostIp === binding.hostIp || isWildcard(p.binding.hostIp) || isWildcard(binding.hostIp)),
      )
      if (clash !== undefined)
        issues.push(
          pathIssue(
            path,
            `host port ${binding.published}/${binding.protocol} is already published by ${formatPath(clash.path)}`,
          ),
        )
      else published.push({ binding, path })
    }

    const deps = service.depends_on ?? []
    // Links are dependencies too (compose-go adds them to depends_on).
    graph.set(name, [...deps.map((d) => d.service), ...(service.links ?? []).map((l) => l.split(":")[0]!)])
    for (const dep of deps)
      if (dep.required && !(dep.service in services))
        issues.push(
          pathIssue([...at, "depends_on", dep.at], `depends on unknown service "${dep.service}"`, {
            onKey: typeof dep.at === "string",
          }),
        )

    const mode = service.network_mode
    if (mode?.startsWith("service:") === true && !(mode.slice(8) in services))
      issues.push(
        pathIssue([...at, "network_mode"], `network_mode refers to unknown service "${mode.slice(8)}"`),
      )
    for (const [i, entry] of (service.volumes_from ?? []).entries()) {
      const source = entry.split(":")[0]!
      if (!entry.startsWith("container:") && !(source in services))
        issues.push(
          pathIssue([...at, "volumes_from", i], `volumes_from refers to unknown service "${source}"`, {
            hint: "name a service of this fleet",
          }),
        )
    }
    if (mode !== undefined && service.networks !== undefined)
      issues.push(
        pathIssue([...at, "networks"], "networks cannot be set together with network_mode", { onKey: true }),
      )
    for (const { network, at: i } of service.networks ?? [])
      if (network !== "default" && !(network in networks))
        issues.push(
          pathIssue(
            [...at, "networks", i],
            `network "${network}" is not declared under the top-level networks`,
            { onKey: typeof i === "string" },
          ),
        )

    for (const [i, volume] of (service.volumes ?? []).entries())
      if (volume.type === "volume" && volume.source !== undefined && !(volume.source in volumes))
        issues.push(
          pathIssue(
            [...at, "volumes", i],
            `volume "${volume.source}" is not declared under the top-level volumes`,
          ),
        )
    issues.push(...checkLabels(service.labels, [...at, "labels"]))
    issues.push(...checkLinks(name, service, services))
  }

  issues.push(...checkContainerNames(manifest, fleet))
  const cycle = findCycle(graph)
  if (cycle !== undefined)
    issues.push(
      pathIssue(["services", cycle[0]!, "depends_on"], `dependency cycle: ${cycle.join(" -> ")}`, {
        onKey: true,
      }),
    )
  for (const [key, network] of Object.entries(networks))
    issues.push(...checkLabels(network?.labels, ["networks", key, "labels"]))
  for (const [key, volume] of Object.entries(volumes))
    issues.push(...checkLabels(volume?.labels, ["volumes", key, "labels"]))
  issues.push(...checkSelfService(manifest))
  return issues
}

/**
 * What no single project can see: two projects that would fight over one fleet name or
 * one container name (an error: both stall, neither may touch the other's containers),
 * and two that publish one host port (a warning: the second container to start fails,
 * but the projects may be meant to run one at a time). Pure.
 */
import type { PortBinding } from "../domain/ContainerSpec.ts"
import type { DesiredState } from "../domain/DesiredState.ts"
import { formatManifestIssue, type ManifestIssue } from "./ManifestError.ts"
import type { Located } from "./yamlDocument.ts"

export interface LoadedProject {
  /** The project's compose file as shown to users (`services/web/compose.yaml`). */
  readonly file: string
  readonly desired: DesiredState
  readonly issueAt: Located["issueAt"]
}

export interface CrossProjectResult {
  /** Per project file: the issues that stall it. */
  readonly errors: ReadonlyMap<string, ReadonlyArray<ManifestIssue>>
  readonly warnings: ReadonlyArray<string>
}

const isWildcard = (ip: string | undefined) => ip === undefined || ip === "0.0.0.0" || ip === "::"

const samePort = (a: PortBinding, b: PortBinding) =>
  a.published === b.published &&
  a.protocol === b.protocol &&
  (a.hostIp === b.hostIp || isWildcard(a.hostIp) || isWildcard(b.hostIp))

export const crossProjectChecks = (projects: ReadonlyArray<LoadedProject>): CrossProjectResult => {
  const errors = new Map<string, Array<ManifestIssue>>()
  const warnings: Array<string> = []
  const add = (file: string, issue: ManifestIssue) => errors.set(file, [...(errors.get(file) ?? []), issue])
  const where = (p: LoadedProject, path: ReadonlyArray<PropertyKey>) => {
    // A service is pointed at by its key, a ports list by its value.
    const issue = p.issueAt(path, "", { onKey: path.length === 2 })
    return `${p.file}:${issue.line}:${issue.column}`
  }

  const byFleet = new Map<string, LoadedProject>()
  for (const p of projects) {
    const other = byFleet.get(p.desired.fleet)
    if (other === undefined) {
      byFleet.set(p.desired.fleet, p)
      continue
    }
    const message = (them: LoadedProject) =>
      `fleet name "${p.desired.fleet}" is also the name of the project in ${them.file}`
    const hint = "give one of them another name: (two projects cannot share one fleet)"
    add(p.file, p.issueAt(["name"], message(other), { hint }))
    add(other.file, other.issueAt(["name"], message(p), { hint }))
  }

  const containers = new Map<string, { project: LoadedProject; service: string }>()
  const published: Array<{ project: LoadedProject; service: string; binding: PortBinding }> = []
  for (const project of projects) {
    for (const service of project.desired.services) {
      const path = ["services", service.name]
      const claimed = containers.get(service.containerName)
      if (claimed !== undefined && claimed.project !== project) {
        const hint = "rename one of the services, or set another container_name"
        add(
          project.file,
          project.issueAt(
            path,
            `container name "${service.containerName}" is also claimed by ${where(claimed.project, ["services", claimed.service])}`,
            { onKey: true, hint },
          ),
        )
        add(
          claimed.project.file,
          claimed.project.issueAt(
            ["services", claimed.service],
            `container name "${service.containerName}" is also claimed by ${where(project, path)}`,
            { onKey: true, hint },
          ),
        )
      } else containers.set(service.containerName, { project, service: service.name })
      for (const binding of service.spec.ports) {
        if (binding.published === undefined) continue
        const clash = published.find((p) => p.project !== project && samePort(p.binding, binding))
        if (clash !== undefined)
          warnings.push(
            `host port ${binding.published}/${binding.protocol} is published by ${where(project, [...path, "ports"])} (${project.desired.fleet}/${service.name}) and by ${where(clash.project, ["services", clash.service, "ports"])} (${clash.project.desired.fleet}/${clash.service}); only one of them can run`,
          )
        published.push({ project, service: service.name, binding })
      }
    }
  }
  return { errors, warnings }
}

/** The issues as `file:line:col: path: message` lines. */
export const formatProjectIssues = (file: string, issues: ReadonlyArray<ManifestIssue>) =>
  issues.map((i) => formatManifestIssue(file, i))

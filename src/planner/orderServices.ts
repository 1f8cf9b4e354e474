import type { DesiredService } from "../domain/DesiredState.ts"

/**
 * Services in dependency order (a service after everything it depends on), ties broken
 * by name so the order is deterministic. The manifest rejects cycles; should one reach
 * here anyway, its members are appended by name rather than dropped.
 */
export const orderServices = (services: ReadonlyArray<DesiredService>): ReadonlyArray<DesiredService> => {
  const byName = new Map(services.map((s) => [s.name, s]))
  const done = new Set<string>()
  const visiting = new Set<string>()
  const ordered: Array<DesiredService> = []
  const visit = (service: DesiredService): void => {
    if (done.has(service.name) || visiting.has(service.name)) return
    visiting.add(service.name)
    const deps = service.dependsOn.map((d) => d.service).sort()
    for (const dep of deps) {
      const target = byName.get(dep)
      if (target !== undefined) visit(target)
    }
    visiting.delete(service.name)
    done.add(service.name)
    ordered.push(service)
  }
  for (const service of [...services].sort((a, b) => compareNames(a.name, b.name))) visit(service)
  return ordered
}

export const compareNames = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

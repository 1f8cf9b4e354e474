/**
 * Moving resources between the models of included files: `importModel` copies an
 * included project's resources into the including file; `mergeModels` merges the
 * later files of one `include` entry's `path` list over the first, as Compose merges
 * override files: services by Compose's service rules (an overridden field points
 * into the file that overrides it), other resources replaced.
 */
import { MergeConflict, mergeService } from "./compose/mergeService.ts"
import type { Model } from "./composeProject.ts"
import { isMapping, type Mapping } from "./composeSupport.ts"
import { copyOrigins, type Origin, originKey } from "./sourceMap.ts"
import type { Path } from "./yamlDocument.ts"

const sections = ["services", "networks", "volumes", "secrets", "configs"] as const

/** Visits every resource of `source`, with the mapping of `target` it goes into. */
const eachResource = (
  source: Model,
  target: Model,
  visit: (section: (typeof sections)[number], name: string, resource: unknown, into: Mapping) => void,
): void => {
  for (const section of sections) {
    const from = source.value[section]
    if (!isMapping(from)) continue
    const into = isMapping(target.value[section]) ? target.value[section] : {}
    target.value[section] = into
    for (const [name, resource] of Object.entries(from)) visit(section, name, resource, into)
  }
}

/** Copies an included project's resources; `conflict` gets the ones the target already has. */
export const importModel = (
  source: Model,
  target: Model,
  conflict: (section: string, name: string, here: Origin, there: Origin) => void,
): void =>
  eachResource(source, target, (section, name, resource, into) => {
    const here = source.origins.get(originKey([section, name]))!
    const there = target.origins.get(originKey([section, name]))
    if (name in into && there !== undefined) return conflict(section, name, here, there)
    into[name] = resource
    copyOrigins(source.origins, target.origins, [section, name])
  })

export const mergeModels = (base: Model, over: Model, conflict: (origin: Origin, path: Path) => void): void =>
  eachResource(over, base, (section, name, resource, into) => {
    const existing = into[name]
    if (section !== "services" || !isMapping(existing) || !isMapping(resource)) {
      into[name] = resource
      copyOrigins(over.origins, base.origins, [section, name])
      return
    }
    const here = over.origins.get(originKey([section, name]))!
    try {
      into[name] = mergeService(existing, resource)
    } catch (e) {
      if (!(e instanceof MergeConflict)) throw e
      return conflict(here, e.path)
    }
    for (const field of Object.keys(resource))
      base.origins.set(
        originKey([section, name, field]),
        over.origins.get(originKey([section, name, field])) ?? { ...here, at: [...here.at, field] },
      )
  })

/**
 * `extends` of services, in the same file or another (`file:`, relative to the file
 * that extends), merged by Compose's rules (compose/mergeService.ts). The base file's
 * relative paths resolve from its own directory; a cycle is an error; a field the
 * service inherits keeps its origin, so an issue in it points into the base file.
 */
import { posix } from "node:path"
import { MergeConflict, mergeService } from "./compose/mergeService.ts"
import type { Composer } from "./composeProject.ts"
import { isMapping, type Mapping } from "./composeSupport.ts"
import type { Lookup } from "./interpolate.ts"
import { rebasePaths } from "./rebasePaths.ts"
import { type Origin, type Origins, originKey } from "./sourceMap.ts"
import type { Path } from "./yamlDocument.ts"

interface Resolved {
  readonly service: Mapping
  /** Where each top-level field of the service was written. */
  readonly fields: ReadonlyMap<string, Origin>
}

type Resolve = (name: string, stack: ReadonlyArray<string>) => Resolved | undefined

interface FileServices {
  readonly services: Mapping
  readonly resolve: Resolve
}

export const applyExtends = (
  c: Composer,
  value: Mapping,
  origin: Origin,
  relative: string,
  lookup: Lookup,
  origins: Origins,
): void => {
  const services = value.services
  if (!isMapping(services)) return
  const files = new Map<string, FileServices | undefined>()

  const fileServices = (file: string, from: Origin, at: Path): FileServices | undefined => {
    if (files.has(file)) return files.get(file)
    const text = c.read(file, from, at, "extends file")
    const parsed = text === undefined ? undefined : c.parse(file, text, lookup, false)
    let result: FileServices | undefined
    if (parsed !== undefined) {
      rebasePaths(parsed.value, posix.dirname(file))
      const s = isMapping(parsed.value.services) ? parsed.value.services : {}
      result = { services: s, resolve: resolver(s, parsed.origin, file) }
    }
    files.set(file, result)
    return result
  }

  function resolver(services: Mapping, origin: Origin, file: string): Resolve {
    const done = new Map<string, Resolved>()
    const resolve: Resolve = (name, stack) => {
      const known = done.get(name)
      if (known !== undefined) return known
      const service = services[name]
      if (!isMapping(service)) return undefined
      const own = (key: string): Origin => ({ ...origin, at: ["services", name, key] })
      const { extends: ext, ...local } = service
      const finish = (result: Resolved) => {
        services[name] = result.service
        done.set(name, result)
        return result
      }
      const plain = () =>
        finish({ service: local, fields: new Map(Object.keys(local).map((k) => [k, own(k)])) })
      if (ext === undefined) return plain()
      const at = ["services", name, "extends"]
      const ref =
        typeof ext === "string"
          ? { service: ext, file: undefined }
          : isMapping(ext) &&
              typeof ext.service === "string" &&
              (ext.file === undefined || typeof ext.file === "string")
            ? { service: ext.service, file: ext.file as string | undefined }
            : undefined
      if (ref === undefined) {
        c.issue(origin, at, "extends takes a service name or a mapping {service, file}")
        return plain()
      }
      const key = `${file}: ${name}`
      if (stack.includes(key)) {
        c.issue(origin, at, `extends cycle: ${[...stack.slice(stack.indexOf(key)), key].join(" → ")}`)
        return plain()
      }
      let base: Resolved | undefined
      if (ref.file === undefined) {
        if (ref.service in services) base = resolve(ref.service, [...stack, key])
        else c.issue(origin, at, `extends: service "${ref.service}" is not defined in this file`)
      } else {
        const baseFile = c.inside(posix.dirname(file), ref.file, origin, [...at, "file"], "extends file")
        const other = baseFile === undefined ? undefined : fileServices(baseFile, origin, [...at, "file"])
        if (other !== undefined && !(ref.service in other.services))
          c.issue(origin, at, `extends: service "${ref.service}" is not defined in ${baseFile}`)
        else if (other !== undefined) base = other.resolve(ref.service, [...stack, key])
      }
      if (base === undefined) return plain()
      try {
        const merged = mergeService(structuredClone(base.service), local)
        const fields = new Map(base.fields)
        for (const k of Object.keys(local)) fields.set(k, own(k))
        return finish({ service: merged, fields })
      } catch (e) {
        if (!(e instanceof MergeConflict)) throw e
        c.issue(
          origin,
          ["services", name, ...e.path],
          `cannot merge with the extended service "${ref.service}": one of them writes this field in another form`,
        )
        return plain()
      }
    }
    return resolve
  }

  const own = resolver(services, origin, relative)
  files.set(relative, { services, resolve: own })
  for (const name of Object.keys(services)) {
    const extended = isMapping(services[name]) && "extends" in (services[name] as Mapping)
    const result = own(name, [])
    if (extended && result !== undefined)
      for (const [field, o] of result.fields) origins.set(originKey(["services", name, field]), o)
  }
}

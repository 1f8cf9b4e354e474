/**
 * Compose's merge of two service definitions (`extends`, and the files of an `include`
 * path list), as compose-go's override package does it: mappings merge key by key,
 * sequences concatenate (base first), scalars are replaced; `command`, `entrypoint` and
 * `healthcheck.test` are replaced whole; `environment`, `labels`, ... merge as
 * `KEY=VALUE` lists; `depends_on` and `networks` merge as mappings whatever their form.
 * Then duplicates are removed where Compose removes them (same key, same target, same
 * port), the later entry taking the earlier one's place. Works on raw YAML values.
 */
import { isMapping, type Mapping } from "../composeSupport.ts"
import { parseShortVolume } from "./volumeSpec.ts"

type Merger = (base: unknown, local: unknown, path: ReadonlyArray<string>) => unknown

/** The two definitions use forms Compose cannot merge (a list over a mapping, ...). */
export class MergeConflict {
  readonly path: ReadonlyArray<string>
  constructor(path: ReadonlyArray<string>) {
    this.path = path
  }
}

const toSequence = (value: unknown): Array<unknown> => {
  if (Array.isArray(value)) return [...value]
  if (typeof value === "string") return [value]
  if (isMapping(value))
    return Object.entries(value)
      .flatMap(([k, v]) =>
        v === null || v === undefined ? [k] : Array.isArray(v) ? v.map((x) => `${k}=${x}`) : [`${k}=${v}`],
      )
      .sort()
  return []
}

const toMapping = (value: unknown, fill: () => unknown): Mapping => {
  if (isMapping(value)) return { ...value }
  if (Array.isArray(value)) return Object.fromEntries(value.map((k) => [String(k), fill()]))
  return {}
}

const replace: Merger = (_, local) => local
const sequence: Merger = (base, local) => [...toSequence(base), ...toSequence(local)]
const asMappings =
  (fill: () => unknown): Merger =>
  (base, local, path) =>
    mergeMappings(toMapping(base, fill), toMapping(local, fill), path)

const specials: ReadonlyArray<readonly [string, Merger]> = [
  ["command", replace],
  ["entrypoint", replace],
  ["healthcheck.test", replace],
  ["ulimits.*", replace],
  ["annotations", sequence],
  ["environment", sequence],
  ["env_file", sequence],
  ["labels", sequence],
  ["sysctls", sequence],
  ["tmpfs", sequence],
  ["dns", sequence],
  ["dns_opt", sequence],
  ["dns_search", sequence],
  ["build.args", sequence],
  ["build.labels", sequence],
  ["deploy.labels", sequence],
  [
    "extra_hosts",
    (base, local) => {
      const first = toSequence(base)
      return [...first, ...toSequence(local).filter((h) => !first.includes(h))]
    },
  ],
  ["depends_on", asMappings(() => ({ condition: "service_started", required: true }))],
  ["networks", asMappings(() => null)],
  [
    "build",
    (base, local, path) =>
      mergeMappings(
        typeof base === "string" ? { context: base } : toMapping(base, () => null),
        typeof local === "string" ? { context: local } : toMapping(local, () => null),
        path,
      ),
  ],
  [
    "logging",
    (base, local, path) => {
      const b = toMapping(base, () => null)
      const l = toMapping(local, () => null)
      // Another driver's options mean nothing to this one: a new driver replaces the block.
      return b.driver === undefined || l.driver === undefined || b.driver === l.driver
        ? mergeMappings(b, l, path)
        : l
    },
  ],
]

const matches = (pattern: string, path: ReadonlyArray<string>): boolean => {
  const parts = pattern.split(".")
  return parts.length === path.length && parts.every((p, i) => p === "*" || p === path[i])
}

const mergeMappings = (base: Mapping, local: Mapping, path: ReadonlyArray<string>): Mapping => {
  const out: Mapping = { ...base }
  for (const [key, value] of Object.entries(local))
    out[key] = key in base ? mergeValue(base[key], value, [...path, key]) : value
  return out
}

const mergeValue = (base: unknown, local: unknown, path: ReadonlyArray<string>): unknown => {
  const special = specials.find(([pattern]) => matches(pattern, path))
  if (special !== undefined) return special[1](base, local, path)
  if (local === null || local === undefined) return base
  if (isMapping(base)) {
    if (!isMapping(local)) throw new MergeConflict(path)
    return mergeMappings(base, local, path)
  }
  if (Array.isArray(base)) {
    if (!Array.isArray(local)) throw new MergeConflict(path)
    return [...base, ...local]
  }
  return local
}

const keyOf = (entry: unknown): string =>
  typeof entry === "string" ? entry.split("=")[0]! : JSON.stringify(entry)
const targetOf = (entry: unknown): string => {
  if (isMapping(entry)) return String(entry.target)
  if (typeof entry !== "string") return JSON.stringify(entry)
  const parsed = parseShortVolume(entry)
  return typeof parsed === "string" ? entry : parsed.target
}
const portOf = (entry: unknown): string =>
  isMapping(entry)
    ? `${entry.host_ip ?? "0.0.0.0"}:${entry.published}:${entry.target}/${entry.protocol ?? "tcp"}`
    : String(entry)
const mountOf =
  (dir: string) =>
  (entry: unknown): string =>
    typeof entry === "string"
      ? `${dir}/${entry}`
      : isMapping(entry) && entry.target !== undefined
        ? String(entry.target)
        : `${dir}/${isMapping(entry) ? String(entry.source) : ""}`

/** Fields whose merged sequences keep one entry per key (compose-go's EnforceUnicity). */
const unique: ReadonlyArray<readonly [string, (entry: unknown) => string]> = [
  ["annotations", keyOf],
  ["cap_add", keyOf],
  ["cap_drop", keyOf],
  ["dns", keyOf],
  ["dns_opt", keyOf],
  ["dns_search", keyOf],
  ["environment", keyOf],
  ["env_file", (e) => (isMapping(e) ? String(e.path) : String(e))],
  ["expose", String],
  ["labels", keyOf],
  ["links", keyOf],
  ["profiles", keyOf],
  ["sysctls", keyOf],
  ["tmpfs", keyOf],
  ["ports", portOf],
  ["volumes", targetOf],
  ["devices", (e) => (isMapping(e) ? String(e.target) : (String(e).split(":")[1] ?? String(e)))],
  ["secrets", mountOf("/run/secrets")],
  ["configs", mountOf("")],
  ["build.args", keyOf],
  ["build.labels", keyOf],
]

const dedupe = (entries: ReadonlyArray<unknown>, key: (entry: unknown) => string): Array<unknown> => {
  const out: Array<unknown> = []
  const at = new Map<string, number>()
  for (const entry of entries) {
    const k = key(entry)
    const i = at.get(k)
    if (i === undefined) {
      at.set(k, out.length)
      out.push(entry)
    } else out[i] = entry
  }
  return out
}

/** `local` over `base`; throws MergeConflict when their forms cannot merge. */
export const mergeService = (base: Mapping, local: Mapping): Mapping => {
  const merged = mergeMappings(base, local, [])
  for (const [field, key] of unique) {
    const [outer, inner] = field.split(".") as [string, string | undefined]
    const holder = inner === undefined ? merged : merged[outer]
    const name = inner ?? outer
    if (isMapping(holder) && Array.isArray(holder[name])) {
      const deduped = dedupe(holder[name] as ReadonlyArray<unknown>, key)
      if (inner === undefined) merged[name] = deduped
      else merged[outer] = { ...holder, [name]: deduped }
    }
  }
  return merged
}

/**
 * A file in SOPS format, read into its values (in the order sops walks them, each with
 * its path and position) and its metadata, for each store sops writes: YAML and JSON
 * (a top-level `sops:` key), dotenv (`sops_*` lines, flattened with `__map_` and
 * `__list_N__` as stores/flatten.go does) and binary (JSON whose `data` holds the
 * whole file). Comments carry nothing sops authenticates, so they are dropped.
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml"

export type SopsFormat = "yaml" | "json" | "dotenv" | "binary"

export interface Position {
  readonly line: number
  readonly column: number
}

export type SopsNode =
  | { readonly kind: "map"; readonly entries: ReadonlyArray<readonly [string, SopsNode]> }
  | { readonly kind: "seq"; readonly items: ReadonlyArray<SopsNode> }
  | { readonly kind: "leaf"; readonly value: unknown; readonly at: Position }

export interface AgeStanza {
  readonly recipient: string
  readonly enc: string
  readonly at: Position
}

export interface SopsMetadata {
  readonly lastmodified: string
  readonly mac: string
  readonly macAt: Position
  readonly macOnlyEncrypted: boolean
  readonly age: ReadonlyArray<AgeStanza>
  /** Key services other than age the file was encrypted for (pgp, kms, ...), for the error. */
  readonly others: ReadonlyArray<string>
  readonly at: Position
}

export interface SopsDocument {
  readonly format: SopsFormat
  readonly tree: SopsNode & { kind: "map" }
  readonly metadata: SopsMetadata
}

/** A file that looks like SOPS but cannot be read as such. */
export interface SopsFormatError {
  readonly _tag: "SopsFormatError"
  readonly message: string
  readonly at: Position
}

const start: Position = { line: 1, column: 1 }

/** Cheap test before parsing: sops's metadata key in any of its stores. */
export const looksLikeSops = (text: string) =>
  /^sops_(mac|lastmodified)=/m.test(text) || /^sops:[ \t]*(#.*)?$/m.test(text) || /"sops"\s*:\s*\{/.test(text)

const formatError = (message: string, at: Position = start): SopsFormatError => ({
  _tag: "SopsFormatError",
  message,
  at,
})

const keyServices = ["pgp", "kms", "gcp_kms", "azure_kv", "hc_vault", "hckms"]

/** Metadata from its plain form (the YAML/JSON `sops` map, or dotenv's lines unflattened). */
const metadataFrom = (
  raw: Record<string, unknown>,
  positionOf: (path: ReadonlyArray<string | number>) => Position,
): SopsMetadata | SopsFormatError => {
  const at = positionOf([])
  const { lastmodified, mac } = raw
  if (typeof mac !== "string" || mac === "")
    return formatError("the sops metadata has no mac: sops refuses such a file, and so does fleetd", at)
  if (typeof lastmodified !== "string") return formatError("the sops metadata has no lastmodified", at)
  const list = Array.isArray(raw.age) ? raw.age : []
  const age = list.flatMap((s: unknown, i) =>
    typeof s === "object" && s !== null && typeof (s as { enc?: unknown }).enc === "string"
      ? [
          {
            recipient: String((s as { recipient?: unknown }).recipient ?? ""),
            enc: (s as { enc: string }).enc,
            at: positionOf(["age", i]),
          },
        ]
      : [],
  )
  const others = keyServices.filter((k) => Array.isArray(raw[k]) && (raw[k] as Array<unknown>).length > 0)
  const macOnly = raw.mac_only_encrypted
  return {
    lastmodified,
    mac,
    macAt: positionOf(["mac"]),
    macOnlyEncrypted: macOnly === true || macOnly === "true",
    age,
    others,
    at,
  }
}

const readYaml = (text: string, format: "yaml" | "json"): SopsDocument | SopsFormatError => {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, intAsBigInt: true })
  const pos = (node: Node | null | undefined): Position => {
    const offset = node?.range?.[0]
    if (offset === undefined) return start
    const { line, col } = lineCounter.linePos(offset)
    return { line, column: col }
  }
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!
    return formatError(`not valid ${format === "json" ? "JSON" : "YAML"}: ${e.message.split("\n")[0]}`, {
      line: e.linePos?.[0].line ?? 1,
      column: e.linePos?.[0].col ?? 1,
    })
  }
  if (!isMap(doc.contents)) return formatError("a SOPS file holds a map at its top level")
  const toNode = (node: unknown): SopsNode => {
    if (isMap(node))
      return {
        kind: "map",
        entries: node.items.map((pair) => {
          const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key)
          return [key, toNode(pair.value)] as const
        }),
      }
    if (isSeq(node)) return { kind: "seq", items: node.items.map(toNode) }
    return { kind: "leaf", value: isScalar(node) ? node.value : null, at: pos(node as Node) }
  }
  const all = toNode(doc.contents) as SopsNode & { kind: "map" }
  const sops = doc.get("sops", true)
  if (!isMap(sops)) return formatError("no sops metadata (a top-level sops: map)")
  const metadata = metadataFrom(sops.toJS(doc) as Record<string, unknown>, (path) =>
    pos(doc.getIn(["sops", ...path], true) as Node | undefined),
  )
  if ("_tag" in metadata) return metadata
  const entries = all.entries.filter(([k]) => k !== "sops")
  // sops's binary store: the whole file is one value under `data`.
  const binary = format === "json" && entries.length === 1 && entries[0]![0] === "data"
  return { format: binary ? "binary" : format, tree: { kind: "map", entries }, metadata }
}

/** dotenv's metadata lines (`sops_age__list_0__map_enc=…`) back into a map. */
const unflatten = (flat: ReadonlyArray<readonly [string, string]>) => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of flat) {
    const list = /^age__list_(\d+)__map_(.+)$/.exec(key)
    if (list !== null) {
      if (!Array.isArray(out.age)) out.age = []
      const age = out.age as Array<Record<string, string> | undefined>
      const index = Number(list[1])
      age[index] = { ...age[index], [list[2]!]: value }
      continue
    }
    const other = /^([a-z_]+?)__list_\d+__/.exec(key)
    if (other !== null) {
      out[other[1]!] = [{}]
      continue
    }
    out[key] = value
  }
  if (Array.isArray(out.age)) out.age = out.age.filter((x) => x !== undefined)
  return out
}

const readDotenv = (text: string): SopsDocument | SopsFormatError => {
  const entries: Array<readonly [string, SopsNode]> = []
  const meta: Array<readonly [string, string]> = []
  const metaAt = new Map<string, Position>()
  const lines = text.split("\n")
  for (const [i, line] of lines.entries()) {
    if (line.length === 0 || line.startsWith("#")) continue
    const eq = line.indexOf("=")
    if (eq < 0) return formatError("invalid dotenv line: expected KEY=VALUE", { line: i + 1, column: 1 })
    const key = line.slice(0, eq)
    const value = line.slice(eq + 1).replaceAll("\\n", "\n")
    const at = { line: i + 1, column: 1 }
    if (key.startsWith("sops_")) {
      meta.push([key.slice(5), value])
      metaAt.set(key.slice(5), at)
    } else entries.push([key, { kind: "leaf", value, at }])
  }
  if (meta.length === 0) return formatError("no sops metadata (sops_* lines)")
  const firstAt = metaAt.values().next().value ?? start
  const metadata = metadataFrom(unflatten(meta), (path) =>
    path.length === 0
      ? firstAt
      : path[0] === "age"
        ? (metaAt.get(`age__list_${String(path[1])}__map_enc`) ?? firstAt)
        : (metaAt.get(String(path[0])) ?? firstAt),
  )
  if ("_tag" in metadata) return metadata
  return { format: "dotenv", tree: { kind: "map", entries }, metadata }
}

/**
 * Reads a SOPS file. The format follows the name as sops's does (`.env`, `.json`,
 * `.yaml`/`.yml`); any other name is told by content.
 */
export const readSopsDocument = (text: string, name: string): SopsDocument | SopsFormatError => {
  const lower = name.toLowerCase()
  if (lower.endsWith(".env") || (!/\.(json|ya?ml)$/.test(lower) && /^sops_(mac|lastmodified)=/m.test(text)))
    return readDotenv(text)
  return readYaml(text, lower.endsWith(".json") || text.trimStart().startsWith("{") ? "json" : "yaml")
}

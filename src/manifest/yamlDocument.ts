/**
 * fleet.yaml as a YAML document that can answer "where is this path?", so every
 * issue, from the parser, the Schema or a semantic check, points at a line:column.
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type ScalarTag,
} from "yaml"
import type { ManifestIssue } from "./ManifestError.ts"
import { formatPath } from "./ManifestError.ts"

/** Larger manifests are refused before parsing: nobody writes one by hand. */
export const MaxManifestBytes = 1024 * 1024
/** yaml's guard against "billion laughs": aliases may expand to at most this many nodes. */
export const MaxAliasCount = 100

export type Path = ReadonlyArray<PropertyKey>

/**
 * Compose's YAML reader (go-yaml) reads a plain integer with a leading 0 as octal, so
 * `mode: 0440` is r--r-----; YAML 1.2's core schema would read 440. Read it as Compose does.
 */
const goOctal: ScalarTag = {
  tag: "tag:yaml.org,2002:int",
  default: true,
  identify: (value) => typeof value === "number",
  test: /^[-+]?0[0-7]+$/,
  resolve: (text) => Number.parseInt(text, 8),
}

export interface Located {
  /** The plain JS value of the document (aliases and merge keys resolved). */
  readonly value: unknown
  /** An issue at `path`; `onKey` points at the key of the last segment instead of its value. */
  readonly issueAt: (
    path: Path,
    message: string,
    options?: { onKey?: boolean; hint?: string },
  ) => ManifestIssue
}

const yamlMessages: Partial<Record<string, string>> = {
  MULTIPLE_DOCS: "the manifest must be a single YAML document (remove the extra ---)",
}

const childOf = (doc: Document, node: unknown, segment: PropertyKey, onKey: boolean): unknown => {
  const target = isAlias(node) ? node.resolve(doc) : node
  if (isMap(target)) {
    const pair = target.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(segment))
    return pair === undefined ? undefined : onKey ? pair.key : pair.value
  }
  if (isSeq(target) && typeof segment === "number") return target.items[segment]
  return undefined
}

const nodeOffset = (node: unknown): number | undefined => {
  if (isPair(node)) return nodeOffset(node.key)
  const range = (node as Node | null)?.range
  return range?.[0]
}

export const parseYaml = (
  text: string,
): { readonly located: Located } | { readonly issues: Array<ManifestIssue> } => {
  const lineCounter = new LineCounter()
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset)
    return { line: Math.max(line, 1), column: Math.max(col, 1) }
  }
  const size = Buffer.byteLength(text, "utf8")
  if (size > MaxManifestBytes)
    return {
      issues: [
        {
          ...at(0),
          path: "",
          message: `the manifest is ${size} bytes, over the ${MaxManifestBytes}-byte limit`,
          hint: "keep fleet.yaml under 1 MiB",
        },
      ],
    }
  const doc = parseDocument(text, {
    lineCounter,
    uniqueKeys: true,
    merge: true,
    prettyErrors: false,
    customTags: (tags) => [goOctal, ...tags],
  })
  if (doc.errors.length > 0)
    return {
      issues: doc.errors.map((e) => ({
        ...at(e.pos[0]),
        path: "",
        message:
          e.code === "DUPLICATE_KEY"
            ? `duplicate key "${/^[^:\n]*/.exec(text.slice(e.pos[0]))?.[0]?.trim()}": each key may appear only once in a mapping`
            : (yamlMessages[e.code] ?? `YAML syntax error: ${e.message.split("\n")[0]}`),
      })),
    }
  const locate = (path: Path, onKey: boolean) => {
    let node: unknown = doc.contents
    let offset = nodeOffset(node) ?? 0
    for (const [i, segment] of path.entries()) {
      node = childOf(doc, node, segment, onKey && i === path.length - 1)
      const next = nodeOffset(node)
      if (next === undefined) break
      offset = next
    }
    return at(offset)
  }
  const issueAt: Located["issueAt"] = (path, message, options) => ({
    ...locate(path, options?.onKey ?? false),
    path: formatPath(path),
    message,
    ...(options?.hint === undefined ? {} : { hint: options.hint }),
  })
  if (doc.contents === null)
    return { issues: [issueAt([], "the manifest is empty; expected a mapping with services")] }
  if (!isMap(doc.contents))
    return { issues: [issueAt([], "the top level must be a mapping (name, services, networks, volumes)")] }
  try {
    return { located: { value: doc.toJS({ maxAliasCount: MaxAliasCount }), issueAt } }
  } catch (e) {
    // toJS throws on alias bombs (and nothing else we know of): point at the first alias.
    let firstAlias: number | undefined
    const find = (node: unknown): void => {
      if (firstAlias !== undefined) return
      if (isAlias(node)) firstAlias = nodeOffset(node)
      else if (isMap(node) || isSeq(node)) for (const item of node.items) find(item)
      else if (isPair(node)) {
        find(node.key)
        find(node.value)
      }
    }
    find(doc.contents)
    const reason = e instanceof Error ? e.message : String(e)
    return {
      issues: [
        {
          ...at(firstAlias ?? 0),
          path: "",
          message: /alias/i.test(reason)
            ? `aliases expand to too many nodes (limit ${MaxAliasCount}); refusing a possible "billion laughs" document`
            : `cannot read the document: ${reason}`,
        },
      ],
    }
  }
}

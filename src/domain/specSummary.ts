import type { ContainerSpec } from "./ContainerSpec.ts"
import { canonicalJson, sha256Hex } from "./specHash.ts"

/**
 * A flat, redacted view of a spec: field path → short fingerprint. It is stored on the
 * container (label `fleetd.spec`) so that `plan` can say *which* fields changed since
 * the container was created. Environment values are fingerprinted per variable so a
 * diff names `environment.DB_PASSWORD` and never shows a value.
 */
export type SpecSummary = Readonly<Record<string, string>>

const fingerprint = (value: unknown): string => sha256Hex(canonicalJson(value)).slice(0, 12)

export const specSummary = (spec: ContainerSpec): SpecSummary => {
  const summary: Record<string, string> = {}
  for (const [field, value] of Object.entries(spec)) {
    if (field === "env") continue
    summary[field] = fingerprint(value)
  }
  for (const entry of spec.env) {
    const eq = entry.indexOf("=")
    const key = eq < 0 ? entry : entry.slice(0, eq)
    summary[`environment.${key}`] = fingerprint(entry)
  }
  return summary
}

/** Field paths whose fingerprint differs (added, removed or changed), sorted. */
export const diffSummaries = (before: SpecSummary, after: SpecSummary): ReadonlyArray<string> => {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)])
  return [...keys].filter((key) => before[key] !== after[key]).sort()
}

/** Reads a summary back from a label; a missing or damaged label gives undefined. */
export const parseSpecSummary = (label: string | undefined): SpecSummary | undefined => {
  if (label === undefined) return undefined
  try {
    const parsed: unknown = JSON.parse(label)
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined
    const entries = Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === "string")
    return Object.fromEntries(entries)
  } catch {
    return undefined
  }
}

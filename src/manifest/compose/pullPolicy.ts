import { parseDuration } from "./duration.ts"

/**
 * Compose `pull_policy`, normalized: `if_not_present` is `missing`; `daily`, `weekly`
 * and `every_<duration>` (a Compose duration such as `every_12h`) re-pull once the
 * last successful pull of the reference is older than the period; `build` builds the
 * image from the service's `build:` whenever its inputs changed (imagePolicy.ts).
 */
export type ParsedPullPolicy =
  | { readonly policy: "always" | "missing" | "never" | "build" }
  | { readonly policy: "periodic"; readonly periodMs: number }

const dayMs = 24 * 3600 * 1000

/** The policy, or a message saying why `text` is not one. */
export const parsePullPolicy = (text: string): ParsedPullPolicy | string => {
  switch (text) {
    case "always":
    case "missing":
    case "never":
    case "build":
      return { policy: text }
    case "if_not_present":
      return { policy: "missing" }
    case "daily":
      return { policy: "periodic", periodMs: dayMs }
    case "weekly":
      return { policy: "periodic", periodMs: 7 * dayMs }
  }
  if (text.startsWith("every_")) {
    const ns = parseDuration(text.slice("every_".length))
    if (ns !== undefined && ns >= 1e9) return { policy: "periodic", periodMs: Math.round(ns / 1e6) }
    return `"${text}" is not a pull period: every_<duration> takes a Compose duration of at least 1s, e.g. every_12h`
  }
  return `"${text}" is not a pull policy (always, missing, never, build, daily, weekly, every_<duration>)`
}

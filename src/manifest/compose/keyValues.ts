/**
 * `environment` and `labels` come as a mapping or as a `KEY=VALUE` list; both
 * become entries that remember where they came from (for issue paths). A missing
 * value (`KEY` alone, or `KEY:` with null) is `undefined`.
 */
export interface KeyValueEntry {
  readonly key: string
  readonly value: string | undefined
  /** Path segment of the entry inside its field: the key, or the list index. */
  readonly at: string | number
}

export type KeyValueInput =
  | ReadonlyArray<string>
  | { readonly [key: string]: string | number | boolean | null }

export const keyValueEntries = (input: KeyValueInput | undefined): ReadonlyArray<KeyValueEntry> => {
  if (input === undefined) return []
  if (Array.isArray(input))
    return (input as ReadonlyArray<string>).map((item, at) => {
      const eq = item.indexOf("=")
      return eq < 0
        ? { key: item, value: undefined, at }
        : { key: item.slice(0, eq), value: item.slice(eq + 1), at }
    })
  return Object.entries(input as Record<string, string | number | boolean | null>).map(([key, v]) => ({
    key,
    value: v === null ? undefined : String(v),
    at: key,
  }))
}

/**
 * A manifest problem found by pure code that knows the value but not the YAML text;
 * the source layer turns it into a positioned ManifestIssue.
 */
export interface PathIssue {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
  /** Point at the key of the last path segment (unknown or badly named keys). */
  readonly onKey?: boolean
  readonly hint?: string
}

export const pathIssue = (
  path: ReadonlyArray<PropertyKey>,
  message: string,
  options: { readonly onKey?: boolean; readonly hint?: string } = {},
): PathIssue => ({ path, message, ...options })

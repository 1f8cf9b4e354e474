/**
 * The parts of an HTTP request a provider looks at: headers with lowercase names (as
 * Node and Effect deliver them) and the raw body bytes, exactly as received, because
 * signatures are computed over those bytes and not over a re-serialization.
 */
export interface WebhookRequest {
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: Uint8Array
  /** The URL's query parameters (Docker Hub can send a secret nowhere else). */
  readonly query?: Readonly<Record<string, string>>
}

/** A header's value, or undefined when absent or empty. `name` must be lowercase. */
export const header = (request: Pick<WebhookRequest, "headers">, name: string): string | undefined => {
  const value = request.headers[name]
  return value === undefined || value === "" ? undefined : value
}

/** The first present header among `names`, with the name it was found under. */
export const firstHeader = (
  request: Pick<WebhookRequest, "headers">,
  names: ReadonlyArray<string>,
): { readonly name: string; readonly value: string } | undefined => {
  for (const name of names) {
    const value = header(request, name)
    if (value !== undefined) return { name, value }
  }
  return undefined
}

/**
 * Why `fleetd run` could not start, for a newcomer: what failed, where, and what to
 * do. Today's start-up failures are the HTTP listener's (the repository and the engine
 * are reached by the loop, which reports and retries them: /ready, /status, the log).
 */
export const describeStartError = (
  error: unknown,
  listen: { readonly host: string; readonly port: number },
): string => {
  const host = listen.host.includes(":") ? `[${listen.host}]` : listen.host
  const address = `${host}:${listen.port}`
  if (tagOf(error) === "ServeError") {
    const cause = (error as { readonly cause?: unknown }).cause
    const code = (cause as { readonly code?: unknown } | undefined)?.code
    switch (code) {
      case "EADDRINUSE":
        return `cannot listen on ${address}: the address is in use (another fleetd, or another program? stop it, or set --listen HOST:PORT to a free port)`
      case "EACCES":
        return `cannot listen on ${address}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE; set --listen HOST:PORT with a port from 1024 up)`
      case "EADDRNOTAVAIL":
        return `cannot listen on ${address}: no network interface of this host has that address (set --listen to one of its addresses: 127.0.0.1:PORT for this host only, 0.0.0.0:PORT for every interface)`
      case "ENOTFOUND":
      case "EAI_AGAIN":
        return `cannot listen on ${address}: the host name does not resolve (set --listen to an IP address, e.g. 127.0.0.1:${listen.port})`
      default:
        return `cannot listen on ${address}: ${messageOf(cause)} (set --listen HOST:PORT)`
    }
  }
  return `cannot start: ${messageOf(error)}`
}

const tagOf = (error: unknown) =>
  typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : undefined

const messageOf = (error: unknown): string =>
  error instanceof Error && error.message !== ""
    ? error.message
    : typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
      ? error.message
      : (tagOf(error) ?? String(error))

import type { EngineInfo } from "./ContainerEngine.ts"
import type { EngineConnection } from "./connectEngine.ts"
import type { EngineEvent, ListingCache } from "./ListingCache.ts"
import { readJsonLines } from "./readJsonLines.ts"

/**
 * Engines whose event stream is proven to report every change a container listing shows
 * (test/e2e/engineEvents.test.ts), on a local socket only: a remote engine's clock may
 * differ from ours, which the lag check relies on. Docker from 20.10 (the oldest fleetd
 * drives, API 1.41), Podman from 4.3: the oldest versions the test has run on.
 */
export const eventsTrusted = (info: EngineInfo): boolean => {
  if (!info.endpoint.startsWith("unix://")) return false
  const [major = 0, minor = 0] = info.version.split(".").map((part) => Number.parseInt(part, 10))
  return info.kind === "docker"
    ? major > 20 || (major === 20 && minor >= 10)
    : major > 4 || (major === 4 && minor >= 3)
}

/**
 * Keeps one `GET /events` stream open and feeds `cache`. Unfiltered: Podman 4.3 answers
 * nothing once a filter is given, network events carry no labels to filter on, and an
 * action fleetd does not know must still count; the cache picks what matters. When
 * the stream ends or fails (engine restarted, a proxy refusing `/events`), the cache
 * stops serving at once and a new stream is tried no sooner than `retryMs` later; until
 * then every listing asks the engine. The socket never keeps the process alive.
 */
export const makeEventFollower = (cache: ListingCache, now: () => number, retryMs: number) => {
  let controller: AbortController | undefined
  let nextTry = 0
  return {
    /** Opens the stream if it is not open and not backing off. */
    ensure: (connection: EngineConnection) => {
      // Open but silent after a change of fleetd's own: stalled. Drop it and list until a new one.
      if (controller !== undefined && cache.following && !cache.healthy) {
        controller.abort()
        controller = undefined
        cache.disconnected()
        nextTry = now() + retryMs
      }
      if (controller !== undefined || now() < nextTry || !eventsTrusted(connection.info)) return
      const current = new AbortController()
      controller = current
      // A stream dropped as stalled was already accounted for; only the live one reports its end.
      const ended = () => {
        if (controller !== current) return
        cache.disconnected()
        controller = undefined
        nextTry = now() + retryMs
      }
      connection.docker
        .getEvents({ abortSignal: current.signal } as object)
        .then(async (stream) => {
          ;(stream as { socket?: { unref?: () => void } }).socket?.unref?.()
          cache.connected()
          await readJsonLines(stream, (line) => {
            let event: EngineEvent
            try {
              event = JSON.parse(line) as EngineEvent
            } catch {
              // A line we cannot read may have been a change: trust nothing kept.
              cache.changed()
              return
            }
            cache.event(event)
          })
        })
        .catch(() => undefined)
        .finally(ended)
    },
    /** Closes the stream (shutdown). */
    close: () => {
      const current = controller
      controller = undefined
      nextTry = Number.POSITIVE_INFINITY
      current?.abort()
    },
  }
}

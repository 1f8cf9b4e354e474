import { mkdtempSync } from "node:fs"
import { createServer, type Server, type Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { swarmRefusal } from "../../../src/cli/swarmRefusal.ts"
import { loadDaemonSetup } from "../../../src/config/loadDaemonSetup.ts"

/** A socket that accepts connections and never answers: an engine too busy to reply. */
const sockets = new Set<Socket>()
const silentEngine = Effect.acquireRelease(
  Effect.promise(
    () =>
      new Promise<{ server: Server; path: string }>((resolve) => {
        const path = join(mkdtempSync(join(tmpdir(), "fleetd-silent-")), "engine.sock")
        const server = createServer((socket) => sockets.add(socket))
        server.listen(path, () => resolve({ server, path }))
      }),
  ),
  ({ server }) =>
    Effect.promise(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy()
          server.close(() => resolve())
        }),
    ),
)

describe("fleetd run --swarm's start-up check", () => {
  it.live(
    "an engine that does not answer within the patience is no reason to refuse: the daemon starts",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const { path } = yield* silentEngine
          const setup = yield* loadDaemonSetup({ dir: tmpdir(), swarm: true, engine: `unix://${path}` }, {})
          const started = Date.now()
          expect(yield* swarmRefusal(setup, "300 millis")).toBeUndefined()
          expect(Date.now() - started).toBeLessThan(3000)
        }),
      ),
  )
})

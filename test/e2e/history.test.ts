import { appendFileSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Exit, Scope } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import type { HistoryEntry } from "../../src/history/HistoryEntry.ts"
import { type Daemon, eventually, startDaemon, stopDaemon } from "../support/daemon.ts"
import { freePort } from "../support/freePort.ts"
import { type GitRemote, makeGitRemote } from "../support/gitRemote.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, testEngines, uniqueFleet } from "../support/testEngines.ts"

const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`

const manifest = (fleet: string, version: string) =>
  `name: ${fleet}\nservices:\n  app:\n    image: fleetd-test/app:v1\n    command: ${idle}\n    stop_grace_period: 2s\n    x-fleetd:\n      update:\n        min_ready: 300ms\n    environment:\n      VERSION: "${version}"\n`

/** A record cut short by the crash: what a kill -9 in the middle of an append leaves. */
const torn = '{"source":"default","fleets":["torn-'

// The journal does not depend on the engine: the first one is enough.
const [engine] = testEngines()
if (engine !== undefined)
  describe(`the pass history on ${engine.kind}`, () => {
    let fleet = ""
    let scope: Scope.Closeable
    let remote: GitRemote
    let daemon: Daemon | undefined
    let dataDir = ""

    const start = async () => {
      const port = await freePort()
      // A killed fleetd's lease expires after --lease-expiry: short, so the restart goes on at once.
      daemon = startDaemon(
        ["--repo", remote.url, "--interval", "1h", "--data-dir", dataDir, "--lease-expiry", "3s"],
        { dockerHost: engine.host, port },
      )
      return daemon
    }
    const history = async (d: Daemon, query = "") =>
      ((await (await fetch(`${d.base}/status/history${query}`)).json()) as { passes: Array<HistoryEntry> })
        .passes

    beforeEach(async () => {
      fleet = uniqueFleet("hist")
      scope = Effect.runSync(Scope.make())
      remote = await Effect.runPromise(makeGitRemote().pipe(Scope.provide(scope)))
      dataDir = join(remote.work, "..", "data")
      remote.commit({ "fleet.yaml": manifest(fleet, "1") })
      remote.push()
    })
    afterEach(async () => {
      await stopDaemon(daemon)
      daemon = undefined
      await cleanupFleet(engine, fleet)
      await Effect.runPromise(Scope.close(scope, Exit.void))
    })

    it("survives a kill -9 of the daemon and a torn last record", async () => {
      const first = await start()
      const sha1 = remote.git("rev-parse", "HEAD")
      await eventually("the first pass in the history", async () => {
        const passes = await history(first)
        return passes.length === 1 ? passes : undefined
      })
      const sha2 = remote.commit({ "fleet.yaml": manifest(fleet, "2") })
      remote.push()
      expect(await first.webhook("github")).toBe(202)
      const before = await eventually("the second pass in the history", async () => {
        const passes = await history(first)
        return passes.length === 2 ? passes : undefined
      })
      expect(before.map((p) => [p.revision, p.changes?.map((c) => c.outcome)])).toEqual([
        [sha2, ["replaced"]],
        [sha1, ["created"]],
      ])

      first.process.kill("SIGKILL")
      await first.exited
      const journal = join(dataDir, "history.jsonl")
      appendFileSync(journal, torn)

      const second = await start()
      await eventually("the restarted daemon's first pass", async () =>
        (await second.status()).lastPass?.result === "success" ? true : undefined,
      )
      // The restart's pass changed nothing: not recorded; the earlier passes are all there.
      const after = await history(second)
      expect(after).toEqual(before)
      expect(after.every((p) => p.source === "default" && p.fleets[0] === fleet)).toBe(true)
      expect(await history(second, `?fleet=${fleet}&limit=1`)).toEqual([before[0]])
      // The torn line was cut off the file, and the repair logged.
      const text = readFileSync(journal, "utf8")
      expect(text).not.toContain(torn)
      expect(text.endsWith("\n")).toBe(true)
      expect(text.trim().split("\n")).toHaveLength(2)
      expect(second.logs()).toContain("history: dropped a torn or invalid last record")

      const cli = await runFleetd(["history", "--url", second.base], { dockerHost: engine.host })
      expect(cli.code).toBe(0)
      const lines = cli.stdout.split("\n")
      expect(lines[0]).toContain(`default ${fleet}  success  ${sha2.slice(0, 12)}  webhook:github`)
      expect(lines[1]).toBe("    app  replaced: spec changed (environment.VERSION)")
      expect(cli.stdout).toContain(`success  ${sha1.slice(0, 12)}`)
      const json = await runFleetd(["history", "--json", "--limit", "1", "--url", second.base], {
        dockerHost: engine.host,
      })
      expect(JSON.parse(json.stdout)).toEqual({ passes: [before[0]] })
      // What the route refuses, and how the command says so.
      const bad = await fetch(`${second.base}/status/history?limit=0`)
      expect(bad.status).toBe(400)
      expect(await bad.json()).toMatchObject({
        reason: 'limit must be a whole number from 1 to 500, not "0"',
      })
      expect((await fetch(`${second.base}/status/history?source=nope`)).status).toBe(404)
      const unknown = await runFleetd(["history", "--source", "nope", "--url", second.base], {
        dockerHost: engine.host,
      })
      expect(unknown.code).toBe(1)
      expect(unknown.stderr).toContain('fleetd history: no source is named "nope"; the sources are: default')
    }, 60_000)
  })

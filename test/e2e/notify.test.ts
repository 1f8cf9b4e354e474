import { createHmac } from "node:crypto"
import { Effect, Exit, Scope } from "effect"
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { type Daemon, eventually, startDaemon, stopDaemon } from "../support/daemon.ts"
import { freePort } from "../support/freePort.ts"
import { type GitRemote, makeGitRemote } from "../support/gitRemote.ts"
import { startReceiver } from "../support/notifyReceiver.ts"
import { cleanupFleet, rawClient, runningEnv, testEngines, uniqueFleet } from "../support/testEngines.ts"

const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`
const exitsAtOnce = `["sh", "-c", "echo 'fatal: no config' >&2; exit 3"]`
const TOKEN = "e2e-notify-token-8d1e0c"
const SIGNING = "e2e-notify-hmac-3b7f"
const FORGE_TOKEN = "e2e-notify-gitea-5c2a"

const manifest = (fleet: string, version: string, command = idle) =>
  `name: ${fleet}\nservices:\n  app:\n    image: fleetd-test/app:v1\n    command: ${command}\n    stop_grace_period: 2s\n    x-fleetd:\n      update:\n        min_ready: 1s\n    environment:\n      VERSION: "${version}"\n`

// Notifications do not depend on the engine: the first one is enough.
const engine = testEngines()[0]
describe.runIf(engine !== undefined)(`notifications on ${engine?.kind}`, () => {
  let fleet = ""
  let scope: Scope.Closeable
  let remote: GitRemote
  let daemon: Daemon | undefined
  let receiver: Awaited<ReturnType<typeof startReceiver>>
  let first = ""

  beforeAll(async () => {
    receiver = await startReceiver()
  })
  afterAll(() => receiver.close())
  beforeEach(async () => {
    fleet = uniqueFleet("notify")
    scope = Effect.runSync(Scope.make())
    remote = await Effect.runPromise(makeGitRemote().pipe(Scope.provide(scope)))
    first = remote.commit({ "fleet.yaml": manifest(fleet, "1") })
    remote.push()
  })
  afterEach(async () => {
    const logs = await stopDaemon(daemon)
    daemon = undefined
    if (engine !== undefined) await cleanupFleet(engine, fleet)
    await Effect.runPromise(Scope.close(scope, Exit.void))
    // The target URL (and its secret) never reaches the log.
    expect(logs).not.toContain(SIGNING)
    expect(logs).not.toContain(FORGE_TOKEN)
    expect(logs).not.toContain(`127.0.0.1:${receiver.port}`)
  })

  it("a rollback is told once, its recovery once, ten no-op passes not at all, nor a restart; the forge sees each rollout", async () => {
    if (engine === undefined) return
    const docker = rawClient(engine)
    const port = await freePort()
    const start = () =>
      startDaemon(["--repo", remote.url, "--interval", "1h", "--data-dir", `${remote.work}/../data`], {
        dockerHost: engine.host,
        port,
        env: {
          FLEETD_API_TOKEN: TOKEN,
          FLEETD_NOTIFY_URLS: [
            `json://127.0.0.1:${receiver.port}/fleetd?secret=${SIGNING}`,
            `gitea-status://${FORGE_TOKEN}@git.example/acme/fleet?base=http://127.0.0.1:${receiver.port}`,
          ].join(","),
          FLEETD_PUBLIC_URL: `http://127.0.0.1:${port}/`,
        },
      })
    let d = start()
    daemon = d
    const sync = async () => {
      const response = await fetch(`${d.base}/sync?wait=true`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}` },
      })
      expect(response.status).toBe(200)
      return (await response.json()) as { pass: { result: string } }
    }
    const messages = () =>
      receiver.received
        .filter((r) => r.path === "/fleetd")
        .map((r) => JSON.parse(r.body) as { kind: string; service?: string; fleet?: string; url?: string })
    // The commit statuses the forge got: `state sha`, in order.
    const statuses = () =>
      receiver.received
        .filter((r) => r.path.startsWith("/api/v1/repos/acme/fleet/statuses/"))
        .map((r) => `${(JSON.parse(r.body) as { state: string }).state} ${r.path.split("/").pop()}`)
    await eventually("the first pass", async () =>
      (await d.status()).lastPass?.result === "success" ? true : undefined,
    )
    // The first pass created the service: it applied a revision, and told it.
    await eventually("the first Applied message", async () => (messages().length === 1 ? true : undefined))
    expect(messages()).toMatchObject([{ kind: "Applied", fleet, url: `http://127.0.0.1:${port}/` }])

    // A push whose new container exits at once: rolled back, told once.
    const broken = remote.commit({ "fleet.yaml": manifest(fleet, "2", exitsAtOnce) })
    remote.push()
    expect((await sync()).pass.result).not.toBe("success")
    await eventually("the rollback message", async () =>
      messages().some((m) => m.kind === "ServiceRolledBack") ? true : undefined,
    )
    // More passes over the same rolled-back revision tell nothing more.
    for (let i = 0; i < 3; i++) await sync()

    // The fix: a recovery and the applied revision, once each.
    const fix = remote.commit({ "fleet.yaml": manifest(fleet, "3") })
    remote.push()
    expect((await sync()).pass.result).toBe("success")
    // Messages to one target go out a second apart: wait for both.
    await eventually("the recovery and applied messages", async () =>
      messages().length === 4 ? true : undefined,
    )
    expect((await runningEnv(docker, `${fleet}-app`))?.includes("VERSION=3")).toBe(true)

    // Ten passes with nothing to do: no message.
    const before = messages().length
    for (let i = 0; i < 10; i++) expect((await sync()).pass.result).toBe("success")
    await new Promise((r) => setTimeout(r, 1500))
    expect(messages().length).toBe(before)

    expect(messages().map((m) => `${m.kind}${m.service === undefined ? "" : ` ${m.service}`}`)).toEqual([
      "Applied",
      "ServiceRolledBack app",
      "ServiceRecovered app",
      "Applied",
    ])
    // Every message is signed with the secret.
    for (const r of receiver.received.filter((x) => x.path === "/fleetd"))
      expect(r.headers["x-fleetd-signature"]).toBe(
        `sha256=${createHmac("sha256", SIGNING).update(r.body).digest("hex")}`,
      )
    // Each revision: pending while it rolled out, then success, or failure for the rolled-back one.
    expect(statuses()).toEqual([
      `pending ${first}`,
      `success ${first}`,
      `pending ${broken}`,
      `failure ${broken}`,
      `pending ${fix}`,
      `success ${fix}`,
    ])
    for (const r of receiver.received.filter((x) => x.path.startsWith("/api/v1/")))
      expect(r.headers.authorization).toBe(`token ${FORGE_TOKEN}`)
    const status = (await d.status()) as unknown as { notifications?: unknown }
    expect(status.notifications).toEqual([
      { target: "json #1", failing: false, delivered: 4, dropped: 0 },
      { target: "gitea-status #2", failing: false, delivered: 6, dropped: 0 },
    ])

    // A restart: what was told is read back from the data directory, so the new daemon's
    // passes tell nothing again (no Applied, no second pending/success for the commit).
    const told = receiver.received.length
    const firstLogs = await stopDaemon(d)
    expect(firstLogs).not.toContain(SIGNING)
    d = start()
    daemon = d
    await eventually("the first pass after the restart", async () =>
      (await d.status()).lastPass?.result === "success" ? true : undefined,
    )
    expect((await sync()).pass.result).toBe("success")
    await new Promise((r) => setTimeout(r, 1500))
    expect(receiver.received.slice(told).map((r) => r.path)).toEqual([])
  }, 60_000)
})

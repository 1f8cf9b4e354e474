import { renameSync } from "node:fs"
import { Effect, Exit, Scope } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { Labels } from "../../src/domain/labels.ts"
import { type Daemon, eventually, startDaemon, stopDaemon } from "../support/daemon.ts"
import { freePort } from "../support/freePort.ts"
import { type GitRemote, makeGitRemote } from "../support/gitRemote.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, runningEnv, testEngines, uniqueFleet } from "../support/testEngines.ts"
import { SECRET } from "../support/webhookFixtures.ts"

const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`

const manifest = (fleet: string, version: string, extra = "") =>
  `name: ${fleet}\nservices:\n  app:\n    image: fleetd-test/app:v1\n    command: ${idle}\n    stop_grace_period: 3s\n    x-fleetd:\n      update:\n        min_ready: 500ms\n    environment:\n      VERSION: "${version}"\n${extra}`

for (const engine of testEngines()) {
  describe(`fleetd run on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    let fleet = ""
    let scope: Scope.Closeable
    let remote: GitRemote
    let daemon: Daemon | undefined

    const envOf = (name: string) => runningEnv(docker, name)
    const appRuns = (version: string) =>
      eventually(`${fleet}-app with VERSION=${version}`, async () =>
        (await envOf(`${fleet}-app`))?.includes(`VERSION=${version}`) ? true : undefined,
      )
    const start = async (extraArgs: Array<string> = [], env: Record<string, string> = {}) => {
      const port = await freePort()
      daemon = startDaemon(
        ["--repo", remote.url, "--interval", "1h", "--data-dir", `${remote.work}/../data`, ...extraArgs],
        { dockerHost: engine.host, port, env },
      )
      const d = daemon
      await eventually("the first pass", async () =>
        (await d.status()).lastPass?.result === "success" ? true : undefined,
      )
      return d
    }

    beforeEach(async () => {
      fleet = uniqueFleet("run")
      scope = Effect.runSync(Scope.make())
      remote = await Effect.runPromise(makeGitRemote().pipe(Scope.provide(scope)))
      remote.commit({ "fleet.yaml": manifest(fleet, "1") })
      remote.push()
    })
    afterEach(async () => {
      const logs = await stopDaemon(daemon)
      daemon = undefined
      await cleanupFleet(engine, fleet)
      await Effect.runPromise(Scope.close(scope, Exit.void))
      // Whatever happened, no secret reached the logs.
      expect(logs).not.toContain(SECRET)
    })

    it("applies a pushed commit after a signed GitHub, GitLab or Gitea push event", async () => {
      const d = await start()
      await appRuns("1")
      const passes = await d.metric("fleetd_reconcile_total")
      for (const [provider, version] of [
        ["github", "2"],
        ["gitlab", "3"],
        ["gitea", "4"],
      ] as const) {
        const sha = remote.commit({ "fleet.yaml": manifest(fleet, version) })
        remote.push()
        const sent = Date.now()
        expect(await d.webhook(provider)).toBe(202)
        await appRuns(version)
        // The new container holds the name before the old one (now --prev) is removed
        // and the pass ends: the revision is recorded then.
        await eventually(`revision ${sha} applied`, async () =>
          (await d.status()).lastAppliedRevision === sha ? true : undefined,
        )
        const status = await d.status()
        expect(status.services).toMatchObject([{ name: "app", sync: "Synced" }])
        console.log(`${engine.kind} ${provider}: push → container running in ${Date.now() - sent} ms`)
      }
      expect(await d.metric("fleetd_reconcile_total")).toBe(passes + 3)
      const labels = (await docker.getContainer(`${fleet}-app`).inspect()).Config.Labels
      expect(labels[Labels.revision]).toBe(remote.git("rev-parse", "HEAD"))
    })

    // The API does not depend on the engine: one engine is enough (defined once, not skipped on the other).
    if (engine.kind === testEngines()[0]?.kind)
      it("fleetd sync --wait after a push applies it and names the replaced service", async () => {
        const token = "e2e-sync-token-5f0c1d2b"
        const d = await start([], { FLEETD_API_TOKEN: token })
        await appRuns("1")
        const before = remote.git("rev-parse", "HEAD")
        const sha = remote.commit({ "fleet.yaml": manifest(fleet, "2") })
        remote.push()
        const cli = { dockerHost: engine.host, env: { FLEETD_API_TOKEN: token } }
        const synced = await runFleetd(["sync", "--wait", "--url", d.base], cli)
        expect(synced.stderr).toBe("")
        expect(synced.code).toBe(0)
        expect(synced.stdout).toMatch(new RegExp(`^pass \\d+: success at ${sha.slice(0, 12)} `))
        expect(synced.stdout).toContain(
          `  app: replaced (spec changed) ${before.slice(0, 12)} → ${sha.slice(0, 12)}`,
        )
        expect(await envOf(`${fleet}-app`)).toContain("VERSION=2")
        // --json gives the API's answer; with nothing pushed the pass changes nothing.
        const json = await runFleetd(["sync", "--wait", "--json", "--url", d.base], cli)
        expect(json.code).toBe(0)
        const answer = JSON.parse(json.stdout)
        expect(answer).toMatchObject({ status: "done", pass: { result: "success", revision: sha } })
        expect(answer.pass.changes).toMatchObject([{ service: "app", outcome: "unchanged" }])
        // A wrong token is refused, and no token is ever logged.
        const wrong = await runFleetd(["sync", "--url", d.base], {
          ...cli,
          env: { FLEETD_API_TOKEN: "nope" },
        })
        expect(wrong.code).toBe(1)
        expect(wrong.stderr).toContain("answered 401: wrong token")
        expect(d.logs()).not.toContain(token)
      })

    it("stalls on an invalid commit with containers untouched, then converges on the fix", async () => {
      const d = await start()
      await appRuns("1")
      const before = (await docker.getContainer(`${fleet}-app`).inspect()).Id
      const bad = remote.commit({ "fleet.yaml": `${manifest(fleet, "2")}    no_such_field: true\n` })
      remote.push()
      expect(await d.webhook("github")).toBe(202)
      const stalled = await eventually("stalled status", async () => {
        const s = await d.status()
        return s.phase === "Stalled" ? s : undefined
      })
      expect(stalled.stalled?.revision).toBe(bad)
      expect(stalled.stalled?.issues[0]).toMatch(
        /^fleet\.yaml:12:5: services\.app\.no_such_field: unknown or unsupported service field/,
      )
      const ready = await fetch(`${d.base}/ready`)
      expect(ready.status).toBe(503)
      expect(JSON.stringify(await ready.json())).toContain(`stalled at revision ${bad}`)
      expect(await d.metric("fleetd_stalled")).toBe(1)
      expect((await docker.getContainer(`${fleet}-app`).inspect()).Id).toBe(before)

      remote.commit({ "fleet.yaml": manifest(fleet, "3") })
      remote.push()
      expect(await d.webhook("github")).toBe(202)
      await appRuns("3")
      await eventually("ready again", async () =>
        (await fetch(`${d.base}/ready`)).status === 200 ? true : undefined,
      )
    })

    it("converges after a force-push rewrote the branch", async () => {
      const d = await start()
      await appRuns("1")
      remote.commit({ "fleet.yaml": manifest(fleet, "2") })
      remote.push()
      await d.webhook("github")
      await appRuns("2")
      remote.git("reset", "--hard", "HEAD~1")
      const rewritten = remote.commit({ "fleet.yaml": manifest(fleet, "rewritten") })
      remote.push({ force: true })
      await d.webhook("github")
      await appRuns("rewritten")
      await eventually(`revision ${rewritten} applied`, async () =>
        (await d.status()).lastAppliedRevision === rewritten ? true : undefined,
      )
    })

    it("reports a remote that went away, retries, and recovers when it is back", async () => {
      const d = await start()
      renameSync(remote.bare, `${remote.bare}.gone`)
      await d.webhook("github")
      const failing = await eventually("the failing status", async () => {
        const s = await d.status()
        return s.phase === "Failing" ? s : undefined
      })
      expect(failing.lastPass?.error).toMatch(/remote|repository|not found|does not appear/i)
      const errors = await d.metric("fleetd_git_fetch_errors_total")
      expect(errors).toBeGreaterThan(0)
      renameSync(`${remote.bare}.gone`, remote.bare)
      remote.commit({ "fleet.yaml": manifest(fleet, "back") })
      remote.push()
      // No webhook: the retry backoff (1 s, 2 s, ...) finds it, long before the 1 h poll.
      await appRuns("back")
    })

    it("answers 1,000 signed webhooks in about a second with at most two passes", async () => {
      const d = await start()
      const before = await d.metric("fleetd_reconcile_total")
      const started = Date.now()
      const codes: Array<number> = []
      for (let batch = 0; batch < 20; batch++) {
        codes.push(...(await Promise.all(Array.from({ length: 50 }, () => d.webhook("github")))))
      }
      const elapsed = Date.now() - started
      expect(codes.filter((c) => c !== 202)).toEqual([])
      await eventually("the passes to finish", async () =>
        (await d.status()).phase === "Synced" ? true : undefined,
      )
      await new Promise((r) => setTimeout(r, 500))
      const passes = (await d.metric("fleetd_reconcile_total")) - before
      console.log(`${engine.kind}: 1,000 webhooks answered in ${elapsed} ms, ${passes} pass(es)`)
      expect(passes).toBeGreaterThanOrEqual(1)
      // Passes start at least 1 s apart and requests during one collapse into one
      // follow-up: within one second that is at most two passes. On a loaded machine
      // the client may need longer to send them all; the bound grows by one per second.
      expect(passes).toBeLessThanOrEqual(1 + Math.max(1, Math.ceil(elapsed / 1000)))
    })

    it("refuses forged, oversized and off-branch webhooks without starting a pass", async () => {
      const d = await start()
      const before = await d.metric("fleetd_reconcile_total")
      const post = (headers: Record<string, string>, body: string) =>
        fetch(`${d.base}/hooks/github`, { method: "POST", headers, body }).then((r) => r.status)
      const body = JSON.stringify({ ref: "refs/heads/main" })
      expect(await post({ "x-github-event": "push" }, body)).toBe(401)
      expect(
        await post({ "x-github-event": "push", "x-hub-signature-256": `sha256=${"0".repeat(64)}` }, body),
      ).toBe(401)
      expect(await post({ "x-github-event": "push", "x-hub-signature-256": "sha1=abc" }, body)).toBe(401)
      expect(await post({ "x-github-event": "push" }, "x".repeat(6 * 1024 * 1024))).toBe(413)
      expect(await d.webhook("github", "refs/heads/other")).toBe(200)
      expect(await d.webhook("github", "refs/tags/v1")).toBe(200)
      expect((await fetch(`${d.base}/hooks/nope`, { method: "POST", body })).status).toBe(404)
      await new Promise((r) => setTimeout(r, 300))
      expect(await d.metric("fleetd_reconcile_total")).toBe(before)
      expect(d.logs()).not.toContain("sha256=")
    })

    it("exits 0 on SIGTERM mid-pass, after finishing the replacement it was running", async () => {
      const stubborn = `    command: ["sh", "-c", "trap '' TERM; while true; do sleep 0.2; done"]\n`
      remote.commit({ "fleet.yaml": manifest(fleet, "1").replace(`    command: ${idle}\n`, stubborn) })
      remote.push()
      const d = await start()
      await appRuns("1")
      remote.commit({ "fleet.yaml": manifest(fleet, "2").replace(`    command: ${idle}\n`, stubborn) })
      remote.push()
      await d.webhook("github")
      // The new container runs; the old one ignores TERM, so stopping it takes 3 s.
      await eventually("the replacement", async () =>
        (await envOf(`${fleet}-app--next`))?.includes("VERSION=2") ? true : undefined,
      )
      const stopped = Date.now()
      expect(await d.stop()).toBe(0)
      console.log(`${engine.kind}: SIGTERM mid-replacement → exit 0 after ${Date.now() - stopped} ms`)
      const containers = await docker.listContainers({
        all: true,
        filters: { label: [`${Labels.fleet}=${fleet}`] },
      })
      expect(containers.map((c) => `${c.Names[0]}:${c.State}`)).toEqual([`/${fleet}-app:running`])
      expect(await envOf(`${fleet}-app`)).toContain("VERSION=2")
    })
  })
}

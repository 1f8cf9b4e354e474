import { randomUUID } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { DaemonStatus, SourceStatus } from "../../src/domain/FleetStatus.ts"
import { type Daemon, eventually, startDaemon, stopDaemon } from "../support/daemon.ts"
import { freePort } from "../support/freePort.ts"
import { type GitRemote, makeGitRemote } from "../support/gitRemote.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, runningEnv, testEngines, uniqueFleet } from "../support/testEngines.ts"
import { imageId, pushImage, startRegistry, type TestRegistry } from "../support/testRegistry.ts"
import { githubPush } from "../support/webhookFixtures.ts"

const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`
const manifest = (fleet: string, version: string) =>
  `name: ${fleet}\nservices:\n  app:\n    image: fleetd-test/app:v1\n    command: ${idle}\n    stop_grace_period: 3s\n    x-fleetd:\n      update:\n        min_ready: 500ms\n    environment:\n      VERSION: "${version}"\n`

interface Source {
  readonly name: string
  readonly fleet: string
  readonly secret: string
  remote: GitRemote
}

// The sources share one engine the same way on Docker and Podman: one engine is enough
// (defined once, not skipped on the other).
const [engine] = testEngines()
if (engine !== undefined)
  describe(`one fleetd, several sources, on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    const scope = Effect.runSync(Scope.make())
    const dir = mkdtempSync(join(tmpdir(), "fleetd-sources-"))
    const configFile = join(dir, "fleetd.yaml")
    const sources: Array<Source> = ["a", "b", "c", "d", "e"].map((name) => ({
      name,
      fleet: uniqueFleet(`src${name}`),
      secret: `secret-of-${name}-${randomUUID()}`,
      remote: undefined as unknown as GitRemote,
    }))
    const [a, b, c, d, e] = sources as [Source, Source, Source, Source, Source]
    let daemon: Daemon | undefined
    const token = `sources-api-${randomUUID()}`
    const registryToken = `registry-${randomUUID()}`
    let registry: TestRegistry | undefined

    /** The config file listing `listed`, each answering to `acme/<name>` with its own secret. */
    const writeConfig = (
      listed: ReadonlyArray<Source>,
      interval: (s: Source) => string = () => "1h",
      pruned: ReadonlyArray<Source> = [],
    ) =>
      writeFileSync(
        configFile,
        [
          `data_dir: ${join(dir, "data")}`,
          // The registry's one token is every source's: each checks the images it tracks.
          "webhooks:",
          "  registry: { secret_env: REGISTRY_TOKEN }",
          "sources:",
          ...listed.flatMap((s) => [
            `  - name: ${s.name}`,
            `    repo: ${s.remote.url}`,
            `    interval: ${interval(s)}`,
            ...(pruned.includes(s) ? ["    prune: true"] : []),
            "    webhook:",
            `      repository: acme/${s.name}`,
            `      secret_env: SECRET_${s.name.toUpperCase()}`,
          ]),
        ].join("\n"),
      )
    const status = async () => (await (await fetch(`${daemon?.base}/status`)).json()) as DaemonStatus
    const sourceStatus = async (name: string) =>
      (await status()).sources.find((s) => s.name === name) as SourceStatus | undefined
    const runs = (s: Source, version: string) =>
      eventually(`${s.fleet}-app with VERSION=${version}`, async () =>
        (await runningEnv(docker, `${s.fleet}-app`))?.includes(`VERSION=${version}`) ? true : undefined,
      )
    const post = async (path: string, delivery: { body: string; headers: Record<string, string> }) =>
      (
        await fetch(`${daemon?.base}${path}`, {
          method: "POST",
          headers: delivery.headers,
          body: delivery.body,
        })
      ).status
    const push = (s: Source, content: string) => {
      const sha = s.remote.commit({ "fleet.yaml": content })
      s.remote.push()
      return sha
    }

    beforeAll(async () => {
      for (const s of sources) {
        s.remote = await Effect.runPromise(makeGitRemote().pipe(Scope.provide(scope)))
        push(s, manifest(s.fleet, "1"))
      }
      writeConfig([a, b, c])
      const port = await freePort()
      registry = await startRegistry({
        notify: { url: `http://127.0.0.1:${port}/hooks/registry`, token: registryToken },
      })
      daemon = startDaemon(["--config", configFile], {
        dockerHost: engine.host,
        port,
        env: {
          FLEETD_API_TOKEN: token,
          REGISTRY_TOKEN: registryToken,
          ...Object.fromEntries(sources.map((s) => [`SECRET_${s.name.toUpperCase()}`, s.secret])),
        },
      })
      await eventually(
        "every source's first pass",
        async () => {
          const all = (await status()).sources
          return all.length === 3 && all.every((s) => s.lastPass?.result === "success") ? true : undefined
        },
        60_000,
      )
    }, 90_000)
    afterAll(async () => {
      const logs = await stopDaemon(daemon)
      for (const s of sources) {
        await cleanupFleet(engine, s.fleet)
        // No secret of any source reached the log.
        expect(logs).not.toContain(s.secret)
      }
      expect(logs).not.toContain(registryToken)
      await registry?.remove()
      for (const image of await docker.listImages())
        for (const tag of image.RepoTags ?? [])
          if (registry !== undefined && tag.startsWith(registry.host) && !tag.includes("@"))
            await docker
              .getImage(tag)
              .remove()
              .catch(() => undefined)
      await Effect.runPromise(Scope.close(scope, Exit.void))
      rmSync(dir, { recursive: true, force: true })
    })

    it("a signed push to each repository at one URL lands only its own fleet", async () => {
      for (const s of [a, b, c]) await runs(s, "1")
      for (const s of [a, b, c]) {
        const others = await Promise.all(
          [a, b, c].filter((o) => o !== s).map(async (o) => (await sourceStatus(o.name))?.lastPass?.id),
        )
        const sha = push(s, manifest(s.fleet, "2"))
        const sent = Date.now()
        expect(await post("/hooks/github", githubPush(`acme/${s.name}`, s.secret))).toBe(202)
        await runs(s, "2")
        await eventually(`${s.name} at ${sha}`, async () =>
          (await sourceStatus(s.name))?.lastAppliedRevision === sha ? true : undefined,
        )
        console.log(`${engine.kind} source ${s.name}: push → container running in ${Date.now() - sent} ms`)
        // The other sources ran no pass for it.
        const after = await Promise.all(
          [a, b, c].filter((o) => o !== s).map(async (o) => (await sourceStatus(o.name))?.lastPass?.id),
        )
        expect(after).toEqual(others)
      }
    }, 90_000)

    it("refuses a delivery signed with another source's secret, and one naming no source", async () => {
      push(b, manifest(b.fleet, "3"))
      // Signed with a's secret, naming b's repository: refused, and b does not move.
      expect(await post("/hooks/github", githubPush("acme/b", a.secret))).toBe(401)
      // Signed with no source's secret.
      expect(await post("/hooks/github", githubPush("acme/b", "not-a-secret"))).toBe(401)
      // Authenticated, but no source follows that repository: answered 2xx, nothing runs.
      expect(await post("/hooks/github", githubPush("acme/zzz", a.secret))).toBe(200)
      // The source's own URL takes its own secret only.
      expect(await post("/hooks/github/b", githubPush("acme/b", a.secret))).toBe(401)
      expect(await post("/hooks/github/nope", githubPush("acme/b", b.secret))).toBe(404)
      expect(await post("/hooks/github/b", githubPush("acme/b", b.secret))).toBe(202)
      await runs(b, "3")
    }, 60_000)

    it("one source with an invalid manifest stalls alone while the others take pushes", async () => {
      const bad = push(b, "services: [this is not a manifest")
      expect(await post("/hooks/github", githubPush("acme/b", b.secret))).toBe(202)
      await eventually("b stalled", async () =>
        (await sourceStatus("b"))?.stalled?.revision === bad ? true : undefined,
      )
      const ready = await fetch(`${daemon?.base}/ready`)
      expect(ready.status).toBe(503)
      expect(((await ready.json()) as { reasons: Array<string> }).reasons.join("\n")).toContain(
        `source b: stalled at revision ${bad}`,
      )
      push(c, manifest(c.fleet, "4"))
      expect(await post("/hooks/github", githubPush("acme/c", c.secret))).toBe(202)
      await runs(c, "4")
      await eventually("c synced", async () =>
        (await sourceStatus("c"))?.phase === "Synced" ? true : undefined,
      )
      // b's containers were left as they ran.
      expect(await runningEnv(docker, `${b.fleet}-app`)).toContain("VERSION=3")
      push(b, manifest(b.fleet, "5"))
      expect(await post("/hooks/github", githubPush("acme/b", b.secret))).toBe(202)
      await runs(b, "5")
    }, 60_000)

    it("a fourth source added to the file converges without a restart; an invalid file is refused", async () => {
      const pid = daemon?.process.pid
      writeConfig([a, b, c, d])
      await runs(d, "1")
      await eventually("d listed", async () => ((await status()).sources.length === 4 ? true : undefined))
      // An invalid file keeps the running configuration and says why.
      writeFileSync(configFile, `sources:\n  - name: Bad Name\n    repo: ${a.remote.url}\n`)
      process.kill(pid as number, "SIGHUP")
      const refused = await eventually("the reload refused", async () => {
        const s = await status()
        return s.config?.error === undefined ? undefined : s
      })
      expect(refused.config?.error?.message).toMatch(/fleetd\.yaml:2:\d+: .*name/)
      expect(refused.sources.map((s) => s.name)).toEqual(["a", "b", "c", "d"])
      const ready = (await (await fetch(`${daemon?.base}/ready`)).json()) as { reasons: Array<string> }
      expect(ready.reasons.join("\n")).toContain("was not reloaded")
      // d still takes pushes; removing it from the file stops it and leaves its container running.
      push(d, manifest(d.fleet, "2"))
      expect(await post("/hooks/github", githubPush("acme/d", d.secret))).toBe(202)
      await runs(d, "2")
      writeConfig([a, b, c])
      await eventually("d removed", async () => {
        const s = await status()
        return s.sources.length === 3 && s.config?.error === undefined ? true : undefined
      })
      expect(await runningEnv(docker, `${d.fleet}-app`)).toContain("VERSION=2")
      // With prune: true, a source leaving the file takes its containers with it.
      writeConfig([a, b, c, d], undefined, [d])
      await eventually("d back", async () =>
        (await sourceStatus("d"))?.phase === "Synced" ? true : undefined,
      )
      writeConfig([a, b, c])
      await eventually("d pruned", async () =>
        (await docker.listContainers({ all: true })).some((x) => x.Names.includes(`/${d.fleet}-app`))
          ? undefined
          : true,
      )
      // The containers go first, while d still holds their lease; then d leaves the list.
      await eventually("d gone from /status", async () =>
        (await status()).sources.map((s) => s.name).join() === "a,b,c" ? true : undefined,
      )
      expect(daemon?.process.pid).toBe(pid)
      expect(daemon?.process.exitCode).toBeNull()
    }, 90_000)
    it("fleetd run --config with an invalid file exits 2 with each problem at its position", async () => {
      const bad = join(dir, "bad.yaml")
      const refused = async (text: string, ...extra: Array<string>) => {
        writeFileSync(bad, text)
        const run = await runFleetd(["run", "--config", bad, "--listen", "127.0.0.1:1", ...extra], {
          dockerHost: engine.host,
        })
        expect(run.code).toBe(2)
        return run.stderr
      }
      const twice = `sources:\n  - name: a\n    repo: ${a.remote.url}\n  - name: a\n    dir: ${dir}\n`
      expect(await refused(twice)).toContain(
        `${bad}:4:11: sources[1].name: the name "a" is already source "a" (line 2)'s`,
      )
      expect(await refused(`${twice}    colour: blue\n`)).toContain(
        `${bad}:6:5: sources[1].colour: unknown config key "colour"`,
      )
      expect(
        await refused(twice.replace("name: a\n    dir", "name: b\n    dir"), "--repo", a.remote.url),
      ).toContain("--repo: with --config FILE the sources are set in the file")
    })

    it("fleetd sync SOURCE --wait passes one source; POST /sync passes every source", async () => {
      const cli = { dockerHost: engine.host, env: { FLEETD_API_TOKEN: token } }
      const sha = push(a, manifest(a.fleet, "6"))
      const one = await runFleetd(["sync", "a", "--wait", "--url", daemon?.base ?? ""], cli)
      expect(one.stderr).toBe("")
      expect(one.code).toBe(0)
      expect(one.stdout).toMatch(new RegExp(`^pass \\d+: success at ${sha.slice(0, 12)} `))
      expect(one.stdout).toContain("  app: replaced (spec changed)")
      const all = await fetch(`${daemon?.base}/sync?wait=true`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
      })
      expect(all.status).toBe(200)
      const body = (await all.json()) as {
        status: string
        sources: Array<{ source: string; pass: { result: string } }>
      }
      expect(body.status).toBe("done")
      expect(body.sources.map((s) => [s.source, s.pass.result])).toEqual([
        ["a", "success"],
        ["b", "success"],
        ["c", "success"],
      ])
      const unknown = await runFleetd(["sync", "zzz", "--url", daemon?.base ?? ""], cli)
      expect(unknown.code).toBe(1)
      expect(unknown.stderr).toContain("answered 404: no source is named")
    }, 60_000)

    it("a changed entry restarts that source alone", async () => {
      const before = await Promise.all([a, b].map(async (s) => (await sourceStatus(s.name))?.lastPass?.id))
      writeConfig([a, b, c], (s) => (s === c ? "30m" : "1h"))
      // c starts anew: its pass ids count from 1 again; a and b ran no pass.
      await eventually("c restarted", async () => {
        const s = await sourceStatus("c")
        return s?.lastPass?.id === 1 && s.lastPass.result === "success" ? true : undefined
      })
      const after = await Promise.all([a, b].map(async (s) => (await sourceStatus(s.name))?.lastPass?.id))
      expect(after).toEqual(before)
      expect(daemon?.logs()).toContain("source c restarted: its settings changed")
    }, 60_000)
    it("a source whose manifest claims another source's fleet waits, told whose fleet it is", async () => {
      // e's manifest names a's fleet: a holds its lease, so e changes nothing.
      push(e, manifest(a.fleet, "99"))
      writeConfig([a, b, c, e], (s) => (s === c ? "30m" : "1h"))
      const waiting = await eventually("e waiting", async () => {
        const s = await sourceStatus("e")
        return s?.phase === "Waiting" ? s : undefined
      })
      expect(waiting.leases?.[0]).toMatchObject({ fleet: a.fleet, held: false, holder: { source: "a" } })
      const ready = (await (await fetch(`${daemon?.base}/ready`)).json()) as { reasons: Array<string> }
      expect(ready.reasons.join("\n")).toContain(
        `source e: waiting for the lease of fleet ${a.fleet}: held by fleetd run (source a) on `,
      )
      expect(await runningEnv(docker, `${a.fleet}-app`)).not.toContain("VERSION=99")
      writeConfig([a, b, c], (s) => (s === c ? "30m" : "1h"))
      await eventually("e removed", async () => ((await status()).sources.length === 3 ? true : undefined))
    }, 60_000)

    it("a registry push of a tracked tag rolls out in the one source that tracks it, with no git push", async () => {
      const host = registry?.host ?? ""
      const tag = `${host}/fleetd/${c.fleet}:stable`
      const [v1, v2] = [
        await imageId(docker, "fleetd-test/app:v1"),
        await imageId(docker, "fleetd-test/app:v2"),
      ]
      /** Pushes `from` under the tag, then points the local tag back at v1: only the registry knows. */
      const publish = async (from: string) => {
        await pushImage(engine, docker, from, tag)
        await docker.getImage("fleetd-test/app:v1").tag({ repo: `${host}/fleetd/${c.fleet}`, tag: "stable" })
      }
      const image = async () =>
        (
          await docker
            .getContainer(`${c.fleet}-app`)
            .inspect()
            .catch(() => undefined)
        )?.Image
      await publish("fleetd-test/app:v1")
      push(c, `x-fleetd:\n  track: digest\n${manifest(c.fleet, "7").replace("fleetd-test/app:v1", tag)}`)
      expect(await post("/hooks/github", githubPush("acme/c", c.secret))).toBe(202)
      await eventually(
        "c runs the tracked tag",
        async () => ((await image()) === v1 ? true : undefined),
        30_000,
      )
      await eventually("c synced", async () =>
        (await sourceStatus("c"))?.phase === "Synced" ? true : undefined,
      )
      // The first push's notifications may still be retried: wait until they are all answered.
      let answered = -1
      await eventually(
        "earlier notifications answered",
        async () => {
          const text = await (await fetch(`${daemon?.base}/metrics`)).text()
          const now = text
            .split("\n")
            .filter((l) => l.startsWith('fleetd_webhook_requests_total{provider="registry"'))
            .reduce((sum, l) => sum + Number(l.split(" ").pop()), 0)
          const quiet = now === answered
          answered = now
          await new Promise((r) => setTimeout(r, 1500))
          return quiet ? true : undefined
        },
        30_000,
      )
      const others = await Promise.all([a, b].map(async (s) => (await sourceStatus(s.name))?.lastPass?.id))
      const pushed = Date.now()
      await publish("fleetd-test/app:v2")
      await eventually(
        "the new digest rolled out in c",
        async () => ((await image()) === v2 ? true : undefined),
        30_000,
      )
      console.log(`${engine.kind} registry push → container running in ${Date.now() - pushed} ms (3 sources)`)
      const c2 = await sourceStatus("c")
      expect(c2?.lastPass?.triggers).toContain("image:registry")
      // a and b track nothing in that registry: no pass of theirs.
      expect(await Promise.all([a, b].map(async (s) => (await sourceStatus(s.name))?.lastPass?.id))).toEqual(
        others,
      )
    }, 90_000)
  })

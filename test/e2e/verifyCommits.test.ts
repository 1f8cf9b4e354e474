import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Exit, Scope } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type Daemon, eventually, startDaemon, stopDaemon } from "../support/daemon.ts"
import { freePort } from "../support/freePort.ts"
import { type GitRemote, makeGitRemote, tempDir } from "../support/gitRemote.ts"
import { startReceiver } from "../support/notifyReceiver.ts"
import { makeSshKey, pushForgedCommit, signWith } from "../support/signingKeys.ts"
import { cleanupFleet, rawClient, runningEnv, testEngines, uniqueFleet } from "../support/testEngines.ts"

const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`

const manifest = (fleet: string, version: string) =>
  `name: ${fleet}\nservices:\n  app:\n    image: fleetd-test/app:v1\n    command: ${idle}\n    stop_grace_period: 2s\n    x-fleetd: { update: { min_ready: 0s } }\n    environment:\n      VERSION: "${version}"\n`

const patience = 60_000

// Verification is the git source's, not the engine's: one engine is enough (the first).
const engine = testEngines()[0]
if (engine !== undefined)
  describe(`fleetd run --verify-commits on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    let fleet = ""
    let scope: Scope.Closeable
    let remote: GitRemote
    let keys = ""
    let daemon: Daemon | undefined
    let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined

    beforeEach(async () => {
      fleet = uniqueFleet("verify")
      scope = Effect.runSync(Scope.make())
      remote = await Effect.runPromise(makeGitRemote().pipe(Scope.provide(scope)))
      keys = await Effect.runPromise(tempDir("verify-keys").pipe(Scope.provide(scope)))
      receiver = await startReceiver()
    })
    afterEach(async () => {
      await stopDaemon(daemon)
      daemon = undefined
      await receiver?.close()
      await cleanupFleet(engine, fleet)
      await Effect.runPromise(Scope.close(scope, Exit.void))
    })

    it("applies signed heads only: unsigned, unknown-key and forged heads stall without touching the container; a signed one recovers", async () => {
      const alice = makeSshKey(keys, "alice", "alice@example.com")
      const mallory = makeSshKey(keys, "mallory", "mallory@example.com")
      const keysFile = join(keys, "allowed_signers")
      writeFileSync(keysFile, alice.trust)
      signWith(remote, alice)
      const first = remote.commit({ "fleet.yaml": manifest(fleet, "1") })
      remote.push()

      const port = await freePort()
      const d = startDaemon(
        [
          "--repo",
          remote.url,
          "--interval",
          "1h",
          "--data-dir",
          join(keys, "data"),
          "--verify-commits",
          keysFile,
        ],
        {
          dockerHost: engine.host,
          port,
          env: { FLEETD_NOTIFY_URLS: `json://127.0.0.1:${receiver?.port}/fleetd` },
        },
      )
      daemon = d
      const version = async () =>
        (await runningEnv(docker, `${fleet}-app`))?.find((e) => e.startsWith("VERSION="))
      const containerId = async () => (await docker.getContainer(`${fleet}-app`).inspect()).Id
      await eventually(
        "the signed revision applied",
        async () => ((await d.status()).lastAppliedRevision === first ? true : undefined),
        patience,
      )
      expect(await version()).toBe("VERSION=1")
      expect((await d.status()).verified).toEqual({
        revision: first,
        format: "ssh",
        fingerprint: alice.fingerprint,
        principal: "alice@example.com",
        object: "commit",
      })
      expect(await (await fetch(`${d.base}/metrics`)).text()).toContain(
        `fleetd_revision_signer_info{source="default",format="ssh",fingerprint="${alice.fingerprint}",principal="alice@example.com"} 1`,
      )
      expect(d.logs()).toContain('"principal":"alice@example.com"')
      const id = await containerId()

      const stallsAt = async (revision: string, why: string) => {
        expect(await d.webhook("github")).toBe(202)
        const status = await eventually(
          `a stall at ${revision}`,
          async () => {
            const s = await d.status()
            return s.phase === "Stalled" && s.stalled?.revision === revision ? s : undefined
          },
          patience,
        )
        expect(status.stalled?.unverified).toBe(true)
        expect(status.stalled?.reason).toContain(why)
        expect(status.lastAppliedRevision).toBe(first)
        expect((await fetch(`${d.base}/ready`)).status).toBe(503)
        // Not touched: the same container, the same environment.
        expect(await containerId()).toBe(id)
        expect(await version()).toBe("VERSION=1")
        await eventually(
          `the stall at ${revision} notified`,
          async () =>
            receiver?.received.some((r) => r.body.includes(revision.slice(0, 12)) && r.body.includes(why))
              ? true
              : undefined,
          patience,
        )
      }

      signWith(remote, undefined)
      const unsigned = remote.commit({ "fleet.yaml": manifest(fleet, "2") })
      remote.push()
      await stallsAt(unsigned, "it is not signed")

      signWith(remote, mallory)
      const unknown = remote.commit({ "fleet.yaml": manifest(fleet, "3") })
      remote.push()
      await stallsAt(unknown, "not in the allowed_signers file")

      signWith(remote, alice)
      const signed = remote.commit({ "fleet.yaml": manifest(fleet, "4") })
      const forged = pushForgedCommit(remote, signed)
      await stallsAt(forged, "does not match its content")

      const recovered = remote.commit({ "fleet.yaml": manifest(fleet, "5") })
      remote.push({ force: true })
      expect(await d.webhook("github")).toBe(202)
      await eventually(
        "the signed revision after the stalls applied",
        async () => ((await d.status()).lastAppliedRevision === recovered ? true : undefined),
        patience,
      )
      const status = await d.status()
      expect(status.phase).toBe("Synced")
      expect(status.stalled).toBeUndefined()
      expect(status.verified?.revision).toBe(recovered)
      expect(await version()).toBe("VERSION=5")
      expect((await fetch(`${d.base}/ready`)).status).toBe(200)
    }, 180_000)
  })

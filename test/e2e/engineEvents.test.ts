import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { type Daemon, eventually, startDaemon } from "../support/daemon.ts"
import { type EventsProxy, startEventsProxy } from "../support/eventsProxy.ts"
import { freePort } from "../support/freePort.ts"
import { cleanupFleet, rawClient, testEngines, uniqueFleet } from "../support/testEngines.ts"

const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`

/**
 * On a local engine the daemon keeps its container listings while the engine's event
 * stream says nothing changed (docs/engine-events.md). These prove it misses no drift, on
 * Docker and on Podman: a container stopped, removed, recreated with another image, or its
 * image tag moved, all outside fleetd, are repaired by the passes that follow; and an
 * event stream that is cut or stalls leaves the passes to list the engine, never to a
 * stale copy. The daemon talks to the engine through a proxy that counts container lists
 * and can cut or stall the stream. The "at most one list" checks assume no other fleetd
 * container or network changes on the engine meanwhile (any drops every kept listing,
 * docs/engine-events.md): true in the suite, whose files run one at a time, not while
 * other runs share the engine.
 */
for (const engine of testEngines()) {
  describe(`the daemon's listings on ${engine.kind} follow its events`, () => {
    const docker = rawClient(engine)
    let fleet = ""
    let proxy: EventsProxy | undefined
    let daemon: Daemon | undefined

    afterEach(async () => {
      if (daemon && daemon.process.exitCode === null) await daemon.stop()
      daemon = undefined
      await proxy?.close()
      proxy = undefined
      await docker
        .getImage(`localhost/${fleet}/app:current`)
        .remove()
        .catch(() => undefined)
      await cleanupFleet(engine, fleet)
    })

    /**
     * A daemon on `services` services through the proxy, polling every second, converged.
     * The lease renews every third of `leaseExpiry`; the default (10 s) leaves seconds
     * without any event, so a stream taken as stalled while quiet would show.
     */
    const start = async (services: ReadonlyArray<string>, leaseExpiry = "10s") => {
      fleet = uniqueFleet("evt")
      // A tag of the test's own, so moving it touches no other test.
      await docker.getImage("fleetd-test/app:v1").tag({ repo: `localhost/${fleet}/app`, tag: "current" })
      const dir = mkdtempSync(join(tmpdir(), "fleetd-events-"))
      const body = services.map(
        (s) =>
          `  ${s}:\n    image: localhost/${fleet}/app:current\n    pull_policy: never\n    command: ${idle}\n` +
          // Stopped by hand, it is started again (with `no`, an exit 0 would be a job that ran).
          "    restart: unless-stopped\n" +
          `    stop_grace_period: 1s\n    x-fleetd:\n      update:\n        min_ready: 0s\n`,
      )
      writeFileSync(join(dir, "fleet.yaml"), `name: ${fleet}\nservices:\n${body.join("")}`)
      proxy = await startEventsProxy(engine.host)
      daemon = startDaemon(["--dir", dir, "--interval", "1s", "--lease-expiry", leaseExpiry], {
        dockerHost: proxy.host,
        port: await freePort(),
      })
      for (const s of services) await running(s)
      return { daemon, proxy }
    }

    /** The id of the service's container once it runs `image` (default: v1). */
    const running = (service: string, image = "fleetd-test/app:v1", timeoutMs = 30_000) =>
      eventually(
        `${service} running ${image}`,
        async () => {
          const [want, info] = await Promise.all([
            docker.getImage(image).inspect(),
            docker.getContainer(`${fleet}-${service}`).inspect(),
          ])
          return info.State.Running && info.Image === want.Id ? info.Id : undefined
        },
        timeoutMs,
      )

    /** Podman may refuse a forced remove while it cleans up after a start: ask again. */
    const removeByHand = (id: string) =>
      eventually("the container removed by hand", async () => {
        await docker.getContainer(id).remove({ force: true })
        return true
      })

    /**
     * Container lists while `passes` more passes end. A pass lists as it starts, so the
     * first of them may have listed before the count began.
     */
    const listsOver = async (d: Daemon, p: EventsProxy, passes: number) => {
      const lists = p.containerLists()
      const before = await d.metric("fleetd_reconcile_total")
      await eventually("passes", async () =>
        (await d.metric("fleetd_reconcile_total")) >= before + passes ? true : undefined,
      )
      return p.containerLists() - lists
    }

    it("repairs a container stopped, removed, recreated or whose image moved outside fleetd; lists when the stream is cut", async () => {
      const { daemon: d, proxy: p } = await start(["web", "worker"])
      // The stream and the last change settled (2 s, src/engine/DockerEngine.ts): no-op passes take the kept listing.
      await new Promise((r) => setTimeout(r, 3000))
      const quiet = await listsOver(d, p, 4)
      expect(quiet, "container lists over 4 no-op passes").toBeLessThanOrEqual(1)

      const stopped = await running("web")
      await docker.getContainer(stopped).stop({ t: 1 })
      await running("web")

      const removed = await running("worker")
      await removeByHand(removed)
      expect(await running("worker")).not.toBe(removed)

      // Recreated by hand under its name and labels, but from another image.
      const original = await docker.getContainer(`${fleet}-web`).inspect()
      await removeByHand(original.Id)
      const byHand = await docker.createContainer({
        name: `${fleet}-web`,
        Image: "fleetd-test/app:v2",
        Cmd: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.3; done"],
        Labels: original.Config.Labels,
      })
      await byHand.start()
      expect(await running("web")).not.toBe(byHand.id)

      // The image tag the services run moves to another image: both are replaced.
      await docker.getImage("fleetd-test/app:v2").tag({ repo: `localhost/${fleet}/app`, tag: "current" })
      await running("web", "fleetd-test/app:v2")
      await running("worker", "fleetd-test/app:v2")

      // The stream outlived fleetd's own changes (none taken as a stall): quiet passes keep again.
      await new Promise((r) => setTimeout(r, 3000))
      expect(
        await listsOver(d, p, 3),
        "container lists over 3 no-op passes after the repairs",
      ).toBeLessThanOrEqual(1)
      expect(p.eventStreams(), "event streams opened").toBe(1)

      // Cut: the stream ends and new ones are refused. Every pass lists again.
      p.setEvents("cut")
      const afterCut = await running("web", "fleetd-test/app:v2")
      await docker.getContainer(afterCut).stop({ t: 1 })
      await running("web", "fleetd-test/app:v2")
      const cut = await listsOver(d, p, 4)
      expect(cut, "container lists over 4 passes without a stream").toBeGreaterThanOrEqual(3)
      expect((await d.status()).lastPass?.result).toBe("success")
    }, 150_000)

    it("lists again when the stream stalls: open, but silent", async () => {
      // A short lease expiry renews every second: its next renewal finds the stall soon.
      const { daemon: d, proxy: p } = await start(["web"], "3s")
      await new Promise((r) => setTimeout(r, 3000))
      expect(await listsOver(d, p, 3), "container lists over 3 no-op passes").toBeLessThanOrEqual(1)
      p.setEvents("stall")
      const stalled = await running("web")
      await docker.getContainer(stalled).stop({ t: 1 })
      // The lease's next renewal is not echoed: within its expiry's third plus the lag limit.
      await running("web", "fleetd-test/app:v1", 15_000)
      expect(
        await listsOver(d, p, 4),
        "container lists over 4 passes, stream stalled",
      ).toBeGreaterThanOrEqual(3)
    }, 90_000)
  })
}

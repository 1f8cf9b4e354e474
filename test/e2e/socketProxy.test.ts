import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Scope } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { engineEndpoints } from "../../src/engine/engineEndpoints.ts"
import { type AllowListProxy, startAllowListProxy } from "../support/allowListProxy.ts"
import { eventually, startDaemon, stopDaemon } from "../support/daemon.ts"
import { freePort } from "../support/freePort.ts"
import { makeGitRemote } from "../support/gitRemote.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, testEngines, uniqueFleet } from "../support/testEngines.ts"
import { pushImage, startRegistry, type TestRegistry } from "../support/testRegistry.ts"

/**
 * fleetd behind a socket proxy that forwards exactly the requests docs/engine-api.md
 * lists and refuses the rest: apply, plan and a daemon pass that between them create,
 * replace behind a health gate, roll back, run run- and exec-hooks, build, pull from
 * a loopback registry, copy configs in, create, join and recreate networks, create
 * volumes, kill an overrunning hook, and prune what left the manifest, with no
 * refusal on either engine.
 */
const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`
const httpd = `["httpd", "-f", "-p", "8080", "-h", "/var/www"]`

const manifest = (fleet: string, pulled: string, step: 1 | 2 | 3) =>
  [
    `name: ${fleet}`,
    "x-fleetd:",
    "  prune_volumes: true",
    "services:",
    "  web:",
    `    image: fleetd-test/app:${step === 1 ? "v1" : "v2"}`,
    `    command: ${httpd}`,
    "    healthcheck:",
    `      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]`,
    "      interval: 500ms",
    "      timeout: 2s",
    "      retries: 1",
    `    networks: ${step === 3 ? "[front]" : "[front, back]"}`,
    ...(step === 3 ? [] : ["    volumes: [data:/data]"]),
    "    configs: [motd]",
    "    stop_grace_period: 1s",
    "    x-fleetd:",
    "      update: { min_ready: 500ms, health_timeout: 20s }",
    "      hooks:",
    "        pre_deploy:",
    `          - run: { command: ["sh", "-c", "echo migrating"] }`,
    "        post_deploy:",
    `          - exec: { command: ["sh", "-c", "test -s /motd"] }`,
    "  built:",
    "    build: { context: ./app, network: none }",
    `    command: ${idle}`,
    "    network_mode: none",
    "    stop_grace_period: 1s",
    "  pulled:",
    `    image: ${pulled}`,
    `    command: ${idle}`,
    "    network_mode: none",
    "    stop_grace_period: 1s",
    ...(step === 3
      ? []
      : [
          "  worker:",
          "    image: fleetd-test/app:v1",
          // Step 2 gives it a release that exits at once: gated, rolled back, its log read.
          `    command: ${step === 1 ? idle : `["sh", "-c", "echo broken release; exit 3"]`}`,
          "    network_mode: none",
          "    stop_grace_period: 1s",
          "    x-fleetd:",
          "      update: { min_ready: 1s, health_timeout: 10s }",
        ]),
    ...(step === 2
      ? [
          // A hook that overruns its timeout: its container is killed.
          "  slow:",
          "    image: fleetd-test/app:v1",
          `    command: ${idle}`,
          "    network_mode: none",
          "    x-fleetd:",
          "      hooks:",
          `        pre_deploy: [{ run: { command: ["sleep", "30"], timeout: 1s } }]`,
        ]
      : []),
    "networks:",
    // Step 3 changes it: recreated, its containers taken off and joined again.
    `  front: ${step === 3 ? "{ internal: true }" : "{}"}`,
    ...(step === 3 ? [] : ["  back: {}"]),
    ...(step === 3 ? [] : ["volumes:", "  data: {}"]),
    "configs:",
    "  motd:",
    `    content: "hello from ${fleet}"`,
    "",
  ].join("\n")

for (const engine of testEngines()) {
  describe(`fleetd behind an allow-list socket proxy on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    let fleet = ""
    let proxy: AllowListProxy
    let registry: TestRegistry
    let pulled = ""
    let scope: Scope.Closeable

    beforeEach(async () => {
      fleet = uniqueFleet("allow")
      scope = Effect.runSync(Scope.make())
      proxy = await startAllowListProxy(engine.host)
      registry = await startRegistry()
      pulled = `${registry.host}/${fleet}/app:v1`
      await pushImage(engine, docker, "fleetd-test/app:v1", pulled)
      // Pulled through fleetd, not left over from the push.
      await docker.getImage(pulled).remove()
    })
    afterEach(async () => {
      await proxy.close()
      await cleanupFleet(engine, fleet)
      for (const ref of [pulled, `${fleet}-built`])
        await docker
          .getImage(ref)
          .remove({ force: true })
          .catch(() => undefined)
      await registry.remove()
      await Effect.runPromise(Scope.close(scope, Exit.void))
    })

    it("applies, plans and runs a daemon pass through exactly the documented endpoints", async () => {
      // The proxy refuses what is not listed (and says so), so a pass-through would not pass.
      // (`/system/df`: never a call of fleetd's; `/info` is one since the Swarm target.)
      const refusedProbe = await rawClient({ kind: engine.kind, host: proxy.host })
        .df()
        .then(
          () => "forwarded",
          (e: { statusCode?: number }) => e.statusCode,
        )
      expect(refusedProbe).toBe(403)
      expect(proxy.refusals.map((r) => r.url)).toEqual(["/system/df"])
      proxy.refusals.length = 0

      const dir = mkdtempSync(join(tmpdir(), "fleetd-allowlist-fleet-"))
      mkdirSync(join(dir, "app"))
      writeFileSync(join(dir, "app", "Dockerfile"), "FROM fleetd-test/app:v1\nRUN echo built > /BUILT\n")
      const file = join(dir, "fleet.yaml")
      const fleetd = (...args: Array<string>) =>
        runFleetd([...args, "--json", "-f", file], { dockerHost: proxy.host, cwd: dir })

      writeFileSync(file, manifest(fleet, pulled, 1))
      const first = await fleetd("apply")
      expect(first.code, first.stdout + first.stderr).toBe(0)

      writeFileSync(file, manifest(fleet, pulled, 2))
      const plan = await fleetd("plan")
      expect(plan.code, plan.stderr).toBe(0)
      const second = await fleetd("apply")
      // web is replaced behind its gate; worker's broken release is rolled back.
      expect(second.code).toBe(1)
      const services = (
        JSON.parse(second.stdout) as { services: Array<{ service: string; outcome: string }> }
      ).services
      expect(services.find((s) => s.service === "web")?.outcome).toBe("replaced")
      expect(services.find((s) => s.service === "worker")?.outcome).toBe("rolled-back")
      expect(services.find((s) => s.service === "slow")?.outcome).toBe("failed")

      // The daemon: a git source with step 3, which drops worker, a network and a volume.
      const remote = await Effect.runPromise(makeGitRemote().pipe(Scope.provide(scope)))
      remote.commit({
        "fleet.yaml": manifest(fleet, pulled, 3),
        "app/Dockerfile": "FROM fleetd-test/app:v1\nRUN echo built > /BUILT\n",
      })
      remote.push()
      const daemon = startDaemon(
        ["--repo", remote.url, "--interval", "1h", "--data-dir", join(remote.work, "..", "data")],
        { dockerHost: proxy.host, port: await freePort() },
      )
      try {
        await eventually(
          "the daemon's first pass",
          async () => ((await daemon.status()).lastPass?.result === "success" ? true : undefined),
          60_000,
        )
      } finally {
        const logs = await stopDaemon(daemon)
        expect(await daemon.exited, logs).toBe(0)
      }
      await expect(docker.getContainer(`${fleet}-worker`).inspect()).rejects.toThrow()
      await expect(docker.getNetwork(`${fleet}_back`).inspect()).rejects.toThrow()
      await expect(docker.getVolume(`${fleet}_data`).inspect()).rejects.toThrow()

      expect(proxy.refusals).toEqual([])
      // Every entry of the list is needed: the run uses each one this engine is sent.
      const used = [...proxy.forwarded.keys()].sort()
      const listed = engineEndpoints
        .filter((e) => engine.kind === "podman" || !e.podmanOnly)
        // The Swarm target's calls go to a Swarm manager only (docs/swarm.md), never here.
        .filter((e) => e.swarmOnly !== true)
        // Podman pulls from a loopback registry through libpod (src/engine/podmanPull.ts).
        .filter((e) => engine.kind === "docker" || e.path !== "/images/create")
        .map((e) => `${e.method} ${e.path}`)
        .sort()
      expect(used).toEqual(listed)
    })
  })
}

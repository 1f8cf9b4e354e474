/**
 * Registry push → new container running: how soon `fleetd run` rolls out a tracked tag
 * after the registry announces it, with no poll to help.
 *
 *   node bench/imagePushToRunning.ts [docker|podman] [rounds]
 *
 * Debian's docker-registry on loopback posts its notifications to the daemon's
 * `/hooks/registry`. The daemon (`--dir`, `--interval 1h`) runs 5 services, one of
 * which tracks `<registry>/bench/app:stable` by digest (no health gate). Per round the
 * tag is pushed again with the other of two images (the engine's own push API), and
 * the engine is polled every 10 ms until that service's new container runs. Measured
 * from the end of the push (when the registry has the manifest and sends its
 * notification) to the new container running: notification, digest check, pull by
 * digest, create-first replacement. Target: ≤ 2 s (issue 9).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startDaemon } from "../test/support/daemon.ts"
import { freePort } from "../test/support/freePort.ts"
import { pushImage, startRegistry } from "../test/support/testRegistry.ts"
import { SECRET } from "../test/support/webhookFixtures.ts"
import {
  benchFleet,
  describe,
  type EngineKind,
  engineHost,
  engineVersion,
  promptStopCommand,
  rawClient,
  removeFleet,
  removeImageReferences,
  stats,
  verdict,
} from "./support/benchKit.ts"
import { sleep } from "./support/daemonKit.ts"

const kind = (process.argv[2] ?? "docker") as EngineKind
const rounds = Number(process.argv[3] ?? 10)
const warmups = 2
const target = 2000
const host = engineHost(kind)
const docker = rawClient(host)
const engine = { kind, host }

console.log(`# registry push → new container running, on ${kind}`)
console.log(`engine: ${await engineVersion(host)}; fleetd run --dir, --interval 1h, 5 services`)

const port = await freePort()
const registry = await startRegistry({
  notify: { url: `http://127.0.0.1:${port}/hooks/registry`, token: SECRET },
})
const fleet = benchFleet("push")
const tag = `${registry.host}/bench/${fleet}:stable`
const images = ["fleetd-test/app:v1", "fleetd-test/app:v2"]
await pushImage(engine, docker, images[0]!, tag)
const dir = mkdtempSync(join(tmpdir(), "fleetd-bench-push-"))
const service = (name: string, image: string, track: boolean) => [
  `  ${name}:`,
  `    image: ${image}`,
  `    command: ${promptStopCommand}`,
  "    stop_grace_period: 2s",
  "    x-fleetd:",
  ...(track ? ["      track: digest"] : []),
  "      update:",
  "        min_ready: 0s",
]
writeFileSync(
  join(dir, "fleet.yaml"),
  [
    `name: ${fleet}`,
    "services:",
    ...service("tracked", tag, true),
    ...[1, 2, 3, 4].flatMap((i) => service(`s${i}`, images[0]!, false)),
    "",
  ].join("\n"),
)
const daemon = startDaemon(["--dir", dir, "--interval", "1h", "--data-dir", join(dir, ".data")], {
  dockerHost: host,
  port,
})
const running = async () => {
  // Podman's name filter takes no anchors: filter, then match the name exactly.
  const list = await docker.listContainers({ filters: { name: [`${fleet}-tracked`] } })
  return list.find((c) => c.Names.some((n) => n.replace(/^\//, "") === `${fleet}-tracked`))
}

try {
  for (
    let start = Date.now();
    (await daemon.status().catch(() => undefined))?.phase !== "Synced";
    await sleep(100)
  )
    if (Date.now() - start > 120_000) throw new Error(`the fleet did not start:\n${daemon.logs()}`)
  const samples: Array<number> = []
  for (let round = 0; round < warmups + rounds; round++) {
    const before = (await running())?.Id
    const image = images[(round + 1) % 2]!
    await pushImage(engine, docker, image, tag)
    const pushed = performance.now()
    let after: number | undefined
    for (const deadline = pushed + 30_000; performance.now() < deadline; await sleep(10)) {
      const now = await running()
      if (now !== undefined && now.Id !== before) {
        after = performance.now() - pushed
        break
      }
    }
    if (after === undefined)
      throw new Error(`round ${round}: no new container within 30 s:\n${daemon.logs()}`)
    if (round >= warmups) samples.push(after)
    // Let the replacement finish (the old container's stop) before the next push.
    await sleep(1500)
  }
  const s = stats(samples)
  console.log(`push → running: ${describe(s)}`)
  console.log(`target ≤ ${target} ms: ${verdict(s.median <= target)}`)
} finally {
  await daemon.stop()
  await removeFleet(host, fleet)
  await registry.remove()
  await removeImageReferences(host, `${registry.host}/bench/${fleet}`)
  rmSync(dir, { recursive: true, force: true })
}

/**
 * The fleet lease: how soon a waiting `fleetd run` takes over from the holder.
 *
 *   node bench/leaseTakeover.ts [docker|podman] [rounds] [expiry seconds]
 *
 * One fleet of one service in a directory, `--lease-expiry` (default 5 s). The first
 * daemon applies and holds the lease. Each round starts the next daemon, waits until
 * it reports `Waiting` (it is not ready and names the holder), then stops the holder:
 * SIGKILL on odd rounds (it cannot let go), SIGTERM on even ones (it lets go as it
 * exits). The time from the signal to the waiter's /status saying it holds the lease
 * (polled every 20 ms) is the takeover. After every round the fleet still has exactly
 * one container, and the new holder applies an edit to it.
 *
 * Targets: after SIGKILL ≤ expiry + 1 s; after SIGTERM < 1 s.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Daemon, eventually, startDaemon } from "../test/support/daemon.ts"
import { freePort } from "../test/support/freePort.ts"
import {
  benchFleet,
  benchImage,
  countFleetContainers,
  describe,
  type EngineKind,
  engineHost,
  engineVersion,
  noGate,
  promptStopCommand,
  rawClient,
  removeFleet,
  stats,
  verdict,
} from "./support/benchKit.ts"

const kind: EngineKind = process.argv[2] === "podman" ? "podman" : "docker"
const rounds = Number(process.argv[3] ?? 10)
const expiry = Number(process.argv[4] ?? 5)
const host = engineHost(kind)
const fleet = benchFleet("lease")
const dir = mkdtempSync(join(tmpdir(), "fleetd-bench-lease-"))

const write = (mode: string) => {
  writeFileSync(
    join(dir, "fleet.yaml"),
    `name: ${fleet}\nservices:\n  app:\n    image: ${benchImage}\n    command: ${promptStopCommand}\n    environment:\n      MODE: "${mode}"\n    stop_grace_period: 2s\n    x-fleetd:\n      update:\n        min_ready: ${noGate}\n`,
  )
}

const start = async (): Promise<Daemon> =>
  startDaemon(["--dir", dir, "--interval", "1h", "--lease-expiry", `${expiry}s`], {
    dockerHost: host,
    port: await freePort(),
  })

const holds = async (d: Daemon) => (await d.status()).leases?.[0]?.held === true
const synced = (d: Daemon) =>
  eventually(
    "the holder synced",
    async () => ((await d.status()).phase === "Synced" ? true : undefined),
    60_000,
  )

const main = async () => {
  console.log(
    `# lease takeover on ${kind}: ${await engineVersion(host)}; --lease-expiry ${expiry}s, ${rounds} rounds`,
  )
  write("0")
  const daemons: Array<Daemon> = []
  const killed: Array<number> = []
  const terminated: Array<number> = []
  let duplicates = 0
  try {
    let holder = await start()
    daemons.push(holder)
    await synced(holder)
    for (let round = 1; round <= rounds; round++) {
      const waiter = await start()
      daemons.push(waiter)
      await eventually("the waiter waits", async () =>
        (await waiter.status()).phase === "Waiting" ? true : undefined,
      )
      const signal = round % 2 === 1 ? "SIGKILL" : "SIGTERM"
      const t0 = performance.now()
      holder.process.kill(signal)
      for (;;) {
        if (await holds(waiter).catch(() => false)) break
        await new Promise((r) => setTimeout(r, 20))
      }
      const took = performance.now() - t0
      ;(signal === "SIGKILL" ? killed : terminated).push(took)
      console.log(`round ${round}: ${signal} → waiter holds the lease after ${took.toFixed(0)} ms`)
      await holder.exited
      holder = waiter
      write(String(round))
      await eventually(
        "the new holder applied the edit",
        async () =>
          (await holder.status()).phase === "Synced" &&
          (await rawClient(host).getContainer(`${fleet}-app`).inspect()).Config.Env.includes(`MODE=${round}`)
            ? true
            : undefined,
        60_000,
      )
      if ((await countFleetContainers(host, fleet)) !== 1) duplicates++
    }
  } finally {
    for (const d of daemons)
      if (d.process.exitCode === null && d.process.signalCode === null) d.process.kill("SIGKILL")
    await Promise.all(daemons.map((d) => d.exited))
    await removeFleet(host, fleet)
    rmSync(dir, { recursive: true, force: true })
  }
  const k = stats(killed)
  const t = stats(terminated)
  console.log(
    `after SIGKILL: ${describe(k)}  target ≤ ${expiry * 1000 + 1000} ms: ${verdict(k.max <= expiry * 1000 + 1000)}`,
  )
  console.log(`after SIGTERM: ${describe(t)}  target < 1000 ms: ${verdict(t.max < 1000)}`)
  console.log(`rounds with more than one container after the handover: ${duplicates} (of ${rounds})`)
}

await main()

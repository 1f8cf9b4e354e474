/**
 * 1,000 signed webhooks within one second, against a running daemon.
 *
 *   node bench/webhookBurst.ts [count]
 *
 * `fleetd run` (5 services, private dockerd, interval 1h) is a child process; this
 * process is the client: keep-alive connections, at most 50 requests in flight, and
 * request i is sent no earlier than i ms after the start (so 1,000 span one second
 * unless the daemon falls behind, which shows as "behind schedule"). Each delivery is
 * a signed GitHub push with its own delivery id, as a forge sends them. The answer
 * time runs from sending the request to the end of the response. Passes caused are
 * the change of fleetd_reconcile_total once the daemon is idle again.
 * Targets: p99 < 100 ms, ≤ 2 passes.
 */
import { randomUUID } from "node:crypto"
import { Agent, request } from "node:http"
import { signedPush } from "../test/support/webhookFixtures.ts"
import { describe, engineHost, ms, noGate, stats, verdict } from "./support/benchKit.ts"
import { awaitPassSpacing, sleep, startBenchDaemon } from "./support/daemonKit.ts"

const count = Number(process.argv[2] ?? 1000)
const concurrency = 50
const host = engineHost("docker")

console.log(`# ${count} signed webhooks within one second (${concurrency} in flight, keep-alive)`)

const bench = await startBenchDaemon({ what: "burst", host, services: 5, interval: "1h", minReady: noGate })
const url = new URL(`${bench.daemon.base}/hooks/github`)
const agent = new Agent({ keepAlive: true, maxSockets: concurrency })

/** One delivery; resolves with its status and answer time. */
const post = (): Promise<{ status: number; ms: number }> => {
  const delivery = signedPush("github", "refs/heads/main", randomUUID())
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(delivery.body),
          ...delivery.headers,
        },
      },
      (res) => {
        res.resume()
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }))
      },
    )
    req.on("error", reject)
    req.end(delivery.body)
  })
}

/** `n` deliveries paced at one per ms, by `concurrency` workers. */
const burst = async (n: number) => {
  const answers: Array<{ status: number; ms: number }> = []
  let next = 0
  let behind = 0
  const start = performance.now()
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      const due = start + i
      const now = performance.now()
      if (due > now) await sleep(due - now)
      else behind = Math.max(behind, now - due)
      answers.push(await post())
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return { answers, elapsed: performance.now() - start, behind }
}

/** Passes caused by a burst: reconcile_total once the daemon is idle for 2.5 s after it. */
const passesAfter = async (before: number) => {
  await sleep(2500)
  await awaitPassSpacing(bench.daemon, 0)
  return (await bench.daemon.metric("fleetd_reconcile_total")) - before
}

try {
  // Warm-up: connections opened, the daemon's handlers compiled; its passes settle.
  await awaitPassSpacing(bench.daemon)
  let before = await bench.daemon.metric("fleetd_reconcile_total")
  const warm = await burst(100)
  console.log(
    `warm-up: 100 deliveries, p50 ${ms(stats(warm.answers.map((a) => a.ms)).median)}, ${await passesAfter(before)} pass(es)`,
  )

  await awaitPassSpacing(bench.daemon)
  before = await bench.daemon.metric("fleetd_reconcile_total")
  const accepted = await bench.daemon.metric("fleetd_webhook_requests_total")
  const run = await burst(count)
  const passes = await passesAfter(before)
  const answered = (await bench.daemon.metric("fleetd_webhook_requests_total")) - accepted
  const times = run.answers.map((a) => a.ms).sort((a, b) => a - b)
  const p99 = times[Math.ceil(times.length * 0.99) - 1] ?? Number.NaN
  const codes = new Map<number, number>()
  for (const a of run.answers) codes.set(a.status, (codes.get(a.status) ?? 0) + 1)
  console.log(
    `sent ${run.answers.length} in ${ms(run.elapsed)} (at most ${ms(run.behind)} behind schedule); ` +
      `answers: ${[...codes].map(([code, n]) => `${code} ×${n}`).join(", ")}; counted by the daemon: ${answered}`,
  )
  console.log(`answer time: ${describe(stats(times))}`)
  console.log(`  p50 ${ms(stats(times).median)}, p99 ${ms(p99)}  target p99 < 100 ms: ${verdict(p99 < 100)}`)
  console.log(`passes caused: ${passes}  target ≤ 2: ${verdict(passes <= 2)}`)
  const last = (await bench.daemon.status()).lastPass
  console.log(
    `last pass: triggers ${JSON.stringify(last?.triggers)}, ${last?.durationMs} ms, ${last?.result}`,
  )
} finally {
  agent.destroy()
  await bench.close()
}

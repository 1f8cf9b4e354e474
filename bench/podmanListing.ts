/**
 * What observing a fleet costs on Podman, and where it goes (issue 11, item 4).
 *
 *   node bench/podmanListing.ts [containers] [rounds]
 *
 * Starts `containers` (default 100) bench containers on the private Podman service under a
 * fleet label of its own, then times, each round every variant in turn, medians after one
 * warm-up:
 * - raw GETs over the socket (no client library), split into the engine's work (request
 *   sent → answer headers: Podman answers once it has built the whole list) and the body's
 *   transfer: the Docker-compatible `/containers/json` fleetd uses, libpod's
 *   `/libpod/containers/json` (the same filter), the compat list filtered to one container
 *   (does the cost follow the containers listed or the containers present?), one
 *   container's inspect, and both image lists;
 * - in this process, on the compat list's body: `JSON.parse` and fleetd's projection
 *   (`toObservedContainer`);
 * - fleetd's own `listContainers` (dockerode, engineCall), end to end.
 * Prints each answer's size. Its containers are removed.
 */
import { request } from "node:http"
import { Effect } from "effect"
import { makeDockerEngine } from "../src/engine/DockerEngine.ts"
import { type ListedContainer, toObservedContainer } from "../src/engine/toObserved.ts"
import {
  benchFleet,
  benchImage,
  engineHost,
  engineVersion,
  rawClient,
  removeFleet,
  stats,
} from "./support/benchKit.ts"

const count = Number(process.argv[2] ?? 100)
const rounds = Number(process.argv[3] ?? 15)
const host = engineHost("podman")
const socketPath = host.replace(/^unix:\/\//, "")
const fleet = benchFleet("podlist")

interface Timed {
  /** Request sent → answer headers (the engine's work). */
  readonly headers: number
  /** Request sent → body ended. */
  readonly total: number
  readonly body: string
}

const get = (path: string): Promise<Timed> =>
  new Promise((done, fail) => {
    const started = performance.now()
    request({ socketPath, path }, (response) => {
      const headers = performance.now() - started
      let body = ""
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => {
        body += chunk
      })
      response.on("end", () => done({ headers, total: performance.now() - started, body }))
    })
      .on("error", fail)
      .end()
  })

const timeSync = (run: () => unknown): number => {
  const started = performance.now()
  run()
  return performance.now() - started
}

console.log(`# observing ${count} containers on ${await engineVersion(host)}, ${rounds} rounds`)
const docker = rawClient(host)
const engine = makeDockerEngine({ endpoint: host })
try {
  for (let i = 0; i < count; i += 8)
    await Promise.all(
      Array.from({ length: Math.min(8, count - i) }, async (_, k) => {
        const c = await docker.createContainer({
          name: `${fleet}-${i + k}`,
          Image: benchImage,
          Cmd: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"],
          Labels: { "fleetd.fleet": fleet, "fleetd.service": `s${i + k}` },
        })
        await c.start()
      }),
    )
  const filter = (labels: Array<string>) => encodeURIComponent(JSON.stringify({ label: labels }))
  const all = filter([`fleetd.fleet=${fleet}`])
  const one = filter([`fleetd.fleet=${fleet}`, "fleetd.service=s0"])
  const endpoints: Record<string, string> = {
    "compat /containers/json (today)": `/v1.41/containers/json?all=true&filters=${all}`,
    "libpod /libpod/containers/json": `/v4.0.0/libpod/containers/json?all=true&filters=${all}`,
    "compat /containers/json, 1 of them": `/v1.41/containers/json?all=true&filters=${one}`,
    "compat /containers/{id}/json (1 inspect)": `/v1.41/containers/${fleet}-0/json`,
    "compat /images/json (today)": "/v1.41/images/json",
    "libpod /libpod/images/json": "/v4.0.0/libpod/images/json",
  }
  const sizes = new Map<string, number>()
  for (const [name, path] of Object.entries(endpoints)) sizes.set(name, (await get(path)).body.length)
  await Effect.runPromise(engine.listContainers(fleet))
  const samples = new Map<string, { headers: Array<number>; total: Array<number> }>()
  const parse: Array<number> = []
  const project: Array<number> = []
  const fleetdList: Array<number> = []
  for (let r = 0; r < rounds; r++) {
    for (const [name, path] of Object.entries(endpoints)) {
      const timed = await get(path)
      const s = samples.get(name) ?? { headers: [], total: [] }
      s.headers.push(timed.headers)
      s.total.push(timed.total)
      samples.set(name, s)
      if (name.endsWith("(today)") && name.includes("containers")) {
        let listed: Array<ListedContainer> = []
        parse.push(timeSync(() => (listed = JSON.parse(timed.body) as Array<ListedContainer>)))
        project.push(timeSync(() => listed.map(toObservedContainer)))
      }
    }
    const started = performance.now()
    await Effect.runPromise(engine.listContainers(fleet))
    fleetdList.push(performance.now() - started)
  }
  const line = (name: string, values: ReadonlyArray<number>, extra = "") =>
    console.log(
      `${name}: median ${stats(values).median.toFixed(1)} ms, p95 ${stats(values).p95.toFixed(1)} ms${extra}`,
    )
  for (const [name, s] of samples) {
    const size = `${((sizes.get(name) ?? 0) / 1024).toFixed(1)} kB`
    line(name, s.total, `, ${size} (engine until headers: median ${stats(s.headers).median.toFixed(1)} ms)`)
  }
  line("  JSON.parse of the compat list (in-process)", parse)
  line("  toObservedContainer over it (in-process)", project)
  line("fleetd listContainers (dockerode, engineCall), end to end", fleetdList)
} finally {
  await removeFleet(host, fleet)
}

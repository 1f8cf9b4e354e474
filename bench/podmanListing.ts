/**
 * What observing a fleet costs on Podman, endpoint by endpoint (issue 11, item 4).
 *
 *   node bench/podmanListing.ts [containers] [rounds]
 *
 * Starts `containers` (default 100) bench containers on the private Podman service under a
 * fleet label of its own, then times raw GETs over the socket (no client library), each
 * round every endpoint in turn, medians after one warm-up: the Docker-compatible
 * `/containers/json` fleetd uses today, libpod's `/libpod/containers/json` (the same
 * filter), and both image lists. Prints each answer's size. Its containers are removed.
 */
import { request } from "node:http"
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

const get = (path: string): Promise<string> =>
  new Promise((done, fail) => {
    request({ socketPath, path }, (response) => {
      let body = ""
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => {
        body += chunk
      })
      response.on("end", () => done(body))
    })
      .on("error", fail)
      .end()
  })

console.log(`# observing ${count} containers on ${await engineVersion(host)}, ${rounds} rounds`)
const docker = rawClient(host)
try {
  for (let i = 0; i < count; i += 8)
    await Promise.all(
      Array.from({ length: Math.min(8, count - i) }, async (_, k) => {
        const c = await docker.createContainer({
          name: `${fleet}-${i + k}`,
          Image: benchImage,
          Cmd: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"],
          Labels: { "fleetd.fleet": fleet },
        })
        await c.start()
      }),
    )
  const filters = encodeURIComponent(JSON.stringify({ label: [`fleetd.fleet=${fleet}`] }))
  const endpoints: Record<string, string> = {
    "compat /containers/json (today)": `/v1.41/containers/json?all=true&filters=${filters}`,
    "libpod /libpod/containers/json": `/v4.0.0/libpod/containers/json?all=true&filters=${filters}`,
    "compat /images/json (today)": "/v1.41/images/json",
    "libpod /libpod/images/json": "/v4.0.0/libpod/images/json",
  }
  const sizes = new Map<string, number>()
  for (const [name, path] of Object.entries(endpoints)) sizes.set(name, (await get(path)).length)
  const samples = new Map<string, Array<number>>()
  for (let r = 0; r < rounds; r++)
    for (const [name, path] of Object.entries(endpoints)) {
      const started = performance.now()
      await get(path)
      samples.set(name, [...(samples.get(name) ?? []), performance.now() - started])
    }
  for (const [name, times] of samples) {
    const s = stats(times)
    console.log(
      `${name}: median ${s.median.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, ${((sizes.get(name) ?? 0) / 1024).toFixed(0)} kB`,
    )
  }
} finally {
  await removeFleet(host, fleet)
}

/**
 * plan() for 1,000 services, pure and in-process.
 *
 *   node bench/planThousandServices.ts [runs]
 *
 * Both states come from the real code paths: DesiredState from a generated fleet.yaml
 * through manifestFromText (the loader's pure pipeline), ObservedState from containers
 * labelled by containerLabels with specHash, as the applier labels them. The observed
 * fleet is an older manifest: 500 services unchanged, 250 with a changed environment,
 * 250 missing, 100 orphans. Target: median < 20 ms.
 */
import { createHash } from "node:crypto"
import { containerLabels } from "../src/domain/containerLabels.ts"
import type { DesiredState } from "../src/domain/DesiredState.ts"
import { normalizeImageRef } from "../src/domain/imageRef.ts"
import type { ObservedContainer, ObservedState } from "../src/domain/ObservedState.ts"
import { specHash } from "../src/domain/specHash.ts"
import { manifestFromText } from "../src/manifest/manifestFromText.ts"
import { plan } from "../src/planner/plan.ts"
import { benchImage, describe, fleetYaml, ms, stats, verdict } from "./support/benchKit.ts"

const runs = Number(process.argv[2] ?? 300)
const warmups = 30
const fleet = "bench-plan"
const imageId = `sha256:${"1".repeat(64)}`

const desiredFrom = (text: string): DesiredState => {
  const result = manifestFromText({
    file: "fleet.yaml",
    text,
    root: "/nonexistent/bench",
    fleet,
    environment: {},
  })
  if (result._tag === "error") throw new Error(JSON.stringify(result.issues.slice(0, 3)))
  return result.desired
}

const index = (name: string): number => Number(name.slice(1))

// Desired: s0000..s0999; s0500..s0749 have BENCH_VALUE=2 (changed env).
const decodeStarted = performance.now()
const desired = desiredFrom(fleetYaml(1000, (i) => (i >= 500 && i < 750 ? "2" : "1")))
const decodeMs = performance.now() - decodeStarted

// What runs: the older manifest (every BENCH_VALUE=1) applied, minus s0750..s0999
// (missing), plus s1000..s1099 (orphans: no longer in the manifest).
const old = desiredFrom(fleetYaml(1100))
const running = old.services.filter((s) => index(s.name) < 750 || index(s.name) >= 1000)
const containers: Array<ObservedContainer> = running.map((service) => ({
  id: createHash("sha256").update(service.containerName).digest("hex"),
  name: service.containerName,
  labels: containerLabels(fleet, service, specHash(service.configHash, imageId), imageId, "old"),
  state: "running",
  imageId,
  networks: [`${fleet}_default`],
  volumes: [],
}))
const observed: ObservedState = {
  containers,
  images: [
    { id: imageId, refs: [normalizeImageRef(benchImage)] },
    { id: `sha256:${"2".repeat(64)}`, refs: [normalizeImageRef("fleetd-test/app:v2")] },
    { id: `sha256:${"3".repeat(64)}`, refs: [normalizeImageRef("busybox:1.36")] },
  ],
}

const first = plan(desired, observed)
const tally = new Map<string, number>()
for (const a of first.actions) {
  const key = a._tag === "Replace" || a._tag === "Remove" ? `${a._tag}(${a.reason})` : a._tag
  tally.set(key, (tally.get(key) ?? 0) + 1)
}

const samples: Array<number> = []
for (let i = 0; i < warmups + runs; i++) {
  const started = performance.now()
  plan(desired, observed)
  if (i >= warmups) samples.push(performance.now() - started)
}
const time = stats(samples)

console.log(
  `# plan() for ${desired.services.length} desired services, ${containers.length} observed containers`,
)
console.log(`actions: ${[...tally].map(([k, n]) => `${k} ${n}`).join(", ")}`)
console.log(`plan(): ${describe(time)}, ${warmups} warm-ups  target < 20 ms: ${verdict(time.median < 20)}`)
console.log(`for context: decoding the 1,000-service fleet.yaml (manifestFromText, cold): ${ms(decodeMs)}`)

/**
 * Compose fidelity: each fixture of test/fidelity is applied once by `fleetd apply` and
 * once by Debian's docker-compose (1.29, `up -d`) on the same engine, and every
 * container's effective configuration is compared field by field from `inspect`. A
 * difference fails the test unless docs/compose-fidelity.md documents it (the table
 * below quotes it); a documented difference that no longer occurs fails too, so the
 * list stays true.
 */
import { execFile } from "node:child_process"
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import type Docker from "dockerode"
import { afterAll, describe, expect, it } from "vitest"
import { parseDocument } from "yaml"
import { Labels } from "../../src/domain/labels.ts"
import { runPodmanHealthcheck } from "../../src/engine/podmanHealth.ts"
import { type EffectiveConfig, effectiveConfig } from "../support/effectiveConfig.ts"
import { freePort } from "../support/freePort.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, type TestEngine, testEngines, uniqueFleet } from "../support/testEngines.ts"

const fixtures = fileURLToPath(new URL("../fidelity/", import.meta.url))
const fidelityDoc = fileURLToPath(new URL("../../docs/compose-fidelity.md", import.meta.url))

/**
 * Differences accepted on purpose, keyed `engine fixture/service field` (`*` for every
 * engine), each with the reason docs/compose-fidelity.md gives at length.
 */
const documented: Readonly<Record<string, string>> = {
  "* wiki-secrets/wiki Mounts":
    "docker-compose 1.29 does not mount configs on a single engine; Compose v2 and fleetd bind a file config read-only at its target",
}

/** What the operator allows these fixtures: they ask for host networking and one capability. */
const policy = [
  "allow:",
  "  network_mode_host: true",
  "  cap_add: [NET_BIND_SERVICE]",
  "  sysctls: [net.core.somaxconn]",
]

const run = promisify(execFile)

/** fleetd's health gate off, as `up` has none: a service without a healthcheck counts at once. */
const withoutGate = (text: string): string => {
  const doc = parseDocument(text)
  const services = doc.get("services") as { items?: Array<{ key: unknown }> } | undefined
  for (const item of services?.items ?? [])
    doc.setIn(["services", String((item.key as { value?: unknown }).value ?? item.key), "x-fleetd"], {
      update: { min_ready: "0s" },
    })
  return doc.toString()
}

const byService = async (docker: Docker, label: string, owner: string, serviceLabel: string) => {
  const list = await docker.listContainers({ all: true, filters: { label: [`${label}=${owner}`] } })
  return new Map(list.map((c) => [c.Labels[serviceLabel] ?? "", c.Id]))
}

/**
 * Podman without systemd never runs healthchecks by itself (TESTING.md), so compose
 * would wait for ever on `service_healthy`; this stands in for the timer, as fleetd
 * does for its own containers, until `done` settles.
 */
const runHealthchecksUntil = async (docker: Docker, project: string, done: Promise<unknown>) => {
  let finished = false
  const settled = done.finally(() => {
    finished = true
  })
  while (!finished) {
    const running = await docker.listContainers({
      filters: { label: [`com.docker.compose.project=${project}`], status: ["running"] },
    })
    await Promise.all(
      running.map((c) =>
        runPodmanHealthcheck(docker, c.Id, AbortSignal.timeout(5000)).catch(() => undefined),
      ),
    )
    await Promise.race([settled.catch(() => undefined), new Promise((r) => setTimeout(r, 1000))])
  }
  return settled
}

const differences = (a: EffectiveConfig, b: EffectiveConfig): Array<string> =>
  [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .sort()

const isDocumented = (engine: TestEngine, key: string) =>
  documented[`${engine.kind} ${key}`] !== undefined || documented[`* ${key}`] !== undefined

describe("compose fidelity: docs/compose-fidelity.md lists every accepted difference", () => {
  it("quotes each accepted difference's key in the document", () => {
    const doc = readFileSync(fidelityDoc, "utf8")
    for (const key of Object.keys(documented)) expect(doc, key).toContain(`\`${key}\``)
  })
})

for (const engine of testEngines()) {
  describe(`compose fidelity on ${engine.kind}: fleetd apply vs docker-compose 1.29`, () => {
    const docker = rawClient(engine)
    const cleanups: Array<() => Promise<unknown>> = []
    afterAll(async () => {
      for (const cleanup of cleanups) await cleanup().catch(() => undefined)
    }, 300_000)

    for (const fixture of readdirSync(fixtures, { withFileTypes: true }).filter((e) => e.isDirectory())) {
      it(`${fixture.name}: every container runs with the configuration docker-compose gives it`, async () => {
        const dir = mkdtempSync(join(tmpdir(), `fleetd-fidelity-${fixture.name}-`))
        cpSync(join(fixtures, fixture.name), dir, { recursive: true })
        const project = uniqueFleet("cf")
        const fleet = uniqueFleet("ff")
        // Both tools run their containers side by side, so each gets its own host ports;
        // the comparison reads them back as the variable's name.
        const ports = async () => ({
          MEDIA_PORT: String(await freePort()),
          VW_PORT: String(await freePort()),
          APP_PORT: String(await freePort()),
        })
        // INSTANCE keeps fixed container names (`container_name`) apart in the same way.
        const composePorts = { ...(await ports()), INSTANCE: project }
        const fleetdPorts = { ...(await ports()), INSTANCE: fleet }
        const placeholders = (prefix: string, used: Record<string, string>) => ({
          [prefix]: "<project>",
          ...Object.fromEntries(
            Object.entries(used).flatMap(([name, value]) =>
              name === "INSTANCE" ? [] : [[value, `<${name}>`]],
            ),
          ),
        })
        const compose = (...args: Array<string>) =>
          run("docker-compose", ["-p", project, "-f", "compose.yaml", ...args], {
            cwd: dir,
            env: { ...process.env, DOCKER_HOST: engine.host, ...composePorts },
          })
        cleanups.push(
          () => compose("down", "-v", "-t", "1", "--remove-orphans"),
          () => cleanupFleet(engine, fleet),
        )

        const up = compose("up", "-d")
        await (engine.kind === "podman" ? runHealthchecksUntil(docker, project, up) : up)
        writeFileSync(join(dir, "fleetd.yaml"), withoutGate(readFileSync(join(dir, "compose.yaml"), "utf8")))
        writeFileSync(join(dir, "policy.yaml"), policy.join("\n"))
        const applied = await runFleetd(
          ["apply", "-f", join(dir, "fleetd.yaml"), "--fleet", fleet, "--policy", join(dir, "policy.yaml")],
          { dockerHost: engine.host, cwd: dir, env: fleetdPorts },
        )
        expect(applied.code, applied.stderr + applied.stdout).toBe(0)

        const composed = await byService(
          docker,
          "com.docker.compose.project",
          project,
          "com.docker.compose.service",
        )
        const ours = await byService(docker, Labels.fleet, fleet, Labels.service)
        expect([...ours.keys()].sort()).toEqual([...composed.keys()].sort())

        const unexplained: Array<string> = []
        const stale: Array<string> = []
        for (const [service, composeId] of composed) {
          const expected = await effectiveConfig(docker, composeId, placeholders(project, composePorts))
          const actual = await effectiveConfig(
            docker,
            ours.get(service) ?? "",
            placeholders(fleet, fleetdPorts),
          )
          const differing = new Set(differences(expected, actual))
          for (const field of differing) {
            const key = `${fixture.name}/${service} ${field}`
            if (!isDocumented(engine, key))
              unexplained.push(
                `${key}: docker-compose ${JSON.stringify(expected[field])}, fleetd ${JSON.stringify(actual[field])}`,
              )
          }
          for (const documentedKey of Object.keys(documented)) {
            const [scope, where, field] = documentedKey.split(" ")
            if ((scope === "*" || scope === engine.kind) && where === `${fixture.name}/${service}`)
              if (!differing.has(field ?? "")) stale.push(documentedKey)
          }
        }
        expect(unexplained, "undocumented differences").toEqual([])
        expect(stale, "documented differences that no longer occur").toEqual([])
      }, 240_000)
    }
  })
}

import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { Labels } from "../../src/domain/labels.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, testEngines, uniqueFleet } from "../support/testEngines.ts"

const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`

/** One service per default-deny field, plus one that asks for nothing. */
const deniedFields = (hostDir: string): Record<string, string> => ({
  privileged: "privileged: true",
  pidhost: "pid: host",
  ipchost: "ipc: host",
  utshost: "uts: host",
  netadmin: "cap_add: [NET_ADMIN]",
  fuse: "devices: [/dev/fuse]",
  unconfined: "security_opt: [seccomp=unconfined]",
  sysctl: "sysctls: {net.ipv4.ip_forward: '1'}",
  hostnet: "network_mode: host",
  bind: `volumes: ["${hostDir}:/data"]`,
  socket: 'volumes: ["/var/run/docker.sock:/var/run/docker.sock"]',
})

for (const engine of testEngines()) {
  describe(`operator policy on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    let fleet = ""
    let dir = ""
    let hostDir = ""
    const write = (services: Record<string, string>) =>
      writeFileSync(
        join(dir, "fleet.yaml"),
        [
          `name: ${fleet}`,
          "services:",
          ...Object.entries(services).flatMap(([name, extra]) => [
            `  ${name}:`,
            "    image: fleetd-test/app:v1",
            `    command: ${idle}`,
            "    stop_grace_period: 1s",
            ...(extra === "" ? [] : [`    ${extra}`]),
          ]),
        ].join("\n"),
      )
    const policy = (text: string) => {
      writeFileSync(join(dir, "..", `${fleet}-policy.yaml`), text)
      return join(dir, "..", `${fleet}-policy.yaml`)
    }
    const fleetd = (...args: Array<string>) =>
      runFleetd([...args, "-f", join(dir, "fleet.yaml")], { dockerHost: engine.host })
    const apply = async (...args: Array<string>) => {
      const result = await fleetd("apply", "--json", ...args)
      const parsed = JSON.parse(result.stdout) as {
        services: Array<{ service: string; outcome: string; reason?: string }>
      }
      return {
        code: result.code,
        outcomes: Object.fromEntries(parsed.services.map((s) => [s.service, s.outcome])),
        parsed,
      }
    }
    const containers = async () =>
      (await docker.listContainers({ all: true, filters: { label: [`${Labels.fleet}=${fleet}`] } }))
        .map((c) => ({ id: c.Id, name: c.Names[0]?.replace(/^\//, "") ?? "" }))
        .sort((a, b) => a.name.localeCompare(b.name))

    beforeEach(() => {
      fleet = uniqueFleet("pol")
      const base = mkdtempSync(join(tmpdir(), "fleetd-policy-"))
      dir = join(base, "repo")
      hostDir = join(base, "media", "films")
      mkdirSync(dir)
      mkdirSync(hostDir, { recursive: true })
    })
    afterEach(() => cleanupFleet(engine, fleet))

    it("with no policy, rejects every denied field alone and creates the rest of the fleet", async () => {
      write({ ok: "", ...deniedFields(hostDir) })
      const result = await apply()
      expect(result.code).toBe(1)
      const expected = Object.fromEntries(Object.keys(deniedFields(hostDir)).map((s) => [s, "blocked"]))
      expect(result.outcomes).toEqual({ ...expected, ok: "created" })
      for (const s of result.parsed.services.filter((s) => s.outcome === "blocked"))
        expect(s.reason).toMatch(/^denied by operator policy: /)
      expect((await containers()).map((c) => c.name)).toEqual([`${fleet}-ok`])
    })

    it("creates them once the policy allows them", async () => {
      write({
        privileged: "privileged: true",
        pidhost: "pid: host",
        netadmin: "cap_add: [NET_ADMIN]",
        bind: `volumes: ["${hostDir}:/data:ro"]`,
      })
      const file = policy(
        `allow:\n  privileged: true\n  host_namespaces: [pid]\n  cap_add: [NET_ADMIN]\n  bind_mounts: [${join(hostDir, "..")}]\n`,
      )
      const result = await apply("--policy", file)
      // dockerd in this sandbox cannot start a privileged container ("unable to apply
      // caps"): the policy let it through, the engine refused. Podman runs it.
      const { privileged, ...rest } = result.outcomes
      expect(rest).toEqual({ pidhost: "created", netadmin: "created", bind: "created" })
      expect(privileged).toEqual(
        engine.kind === "podman" ? "created" : expect.stringMatching(/created|failed/),
      )
      const reason = result.parsed.services.find((s) => s.service === "privileged")?.reason ?? ""
      expect(reason).not.toContain("operator policy")
      const inspect = (service: string) => docker.getContainer(`${fleet}-${service}`).inspect()
      if (privileged === "created") expect((await inspect("privileged")).HostConfig.Privileged).toBe(true)
      expect((await inspect("pidhost")).HostConfig.PidMode).toBe("host")
      expect((await inspect("netadmin")).HostConfig.CapAdd).toEqual(
        expect.arrayContaining([expect.stringMatching(/NET_ADMIN$/)]),
      )
      expect((await inspect("bind")).Mounts.map((m) => m.Source)).toContain(hostDir)
    })

    it("refuses the engine socket even under bind_mounts: [/], unless engine_socket is allowed", async () => {
      const socket = engine.host.replace(/^unix:\/\//, "")
      write({ socket: `volumes: ["${socket}:/engine.sock"]`, root: 'volumes: ["/:/host:ro"]' })
      const all = policy("allow:\n  bind_mounts: [/]\n")
      const refused = await apply("--policy", all)
      expect(refused.outcomes).toEqual({ socket: "blocked", root: "blocked" })
      expect(refused.parsed.services.map((s) => s.reason)).toEqual([
        expect.stringContaining("allow.engine_socket: true"),
        expect.stringContaining("allow.engine_socket: true"),
      ])
      expect(await containers()).toEqual([])
      const allowed = await apply("--policy", policy("allow:\n  bind_mounts: [/]\n  engine_socket: true\n"))
      expect(allowed.outcomes).toEqual({ socket: "created", root: "created" })
    })

    it("leaves a service that runs from an earlier, allowed revision exactly as it is", async () => {
      write({ tools: "cap_add: [NET_ADMIN]", ok: "" })
      const file = policy("allow:\n  cap_add: [NET_ADMIN]\n")
      expect((await apply("--policy", file)).code).toBe(0)
      const before = await containers()
      write({ tools: "cap_add: [NET_ADMIN, SYS_ADMIN]", ok: "" })
      const result = await apply("--policy", file)
      expect(result.outcomes).toEqual({ tools: "blocked", ok: "unchanged" })
      expect(await containers()).toEqual(before)
      // And without any policy it is still left alone, not removed as an orphan.
      expect((await apply()).outcomes).toEqual({ tools: "blocked", ok: "unchanged" })
      expect(await containers()).toEqual(before)
    })

    it("validate --policy reports violations with positions (1) and an invalid policy as a usage error (2)", async () => {
      write({ web: "privileged: true" })
      const denied = await fleetd("validate")
      expect(denied.code).toBe(1)
      expect(denied.stderr).toContain(
        "fleet.yaml:7:17: services.web.privileged: denied by operator policy: privileged: true is not allowed; allow it with allow.privileged: true in the policy file",
      )
      const ok = await fleetd("validate", "--policy", policy("allow: {privileged: true}\n"))
      expect(ok.code).toBe(0)
      const json = await fleetd("validate", "--json")
      expect(JSON.parse(json.stdout)).toMatchObject({
        valid: false,
        issues: [
          { line: 7, column: 17, path: "services.web.privileged", service: "web", policyKey: "privileged" },
        ],
      })
      const bad = await fleetd("validate", "--policy", policy("allow:\n  privilege: true\n"))
      expect(bad.code).toBe(2)
      expect(bad.stderr).toContain('policy.yaml:2:3: allow.privilege: unknown policy key "privilege"')
      expect(await containers()).toEqual([])
    })
  })
}

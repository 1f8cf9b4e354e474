import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { demuxLogs } from "../../src/engine/demuxLogs.ts"
import { type Daemon, eventually, startDaemon, stopDaemon } from "../support/daemon.ts"
import { freePort } from "../support/freePort.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, testEngines, uniqueFleet } from "../support/testEngines.ts"

/**
 * Compose secrets and configs on real engines, through the CLI a user runs: the
 * container reads each file with the owner and mode Compose gives it, a changed secret
 * replaces the container, and no value ever shows in fleetd's output or on the
 * container's labels and environment.
 */
const fileSecret = "file-s3cr3t-7f2a"
const envSecret = "env-t0k3n-91c4"
const envSecret2 = "env-t0k3n-rotated-55d0"

/** Prints every granted file as `path mode uid:gid content`, then idles (exits on TERM). */
const report = [
  "for f in /run/secrets/db /run/secrets/api/token /app.conf /etc/motd; do",
  '  echo "$f $(stat -c "%a %u:%g" $f) $(cat $f)";',
  "done;",
  "trap 'exit 0' TERM; while true; do sleep 0.2; done",
].join(" ")

const manifest = (fleet: string) => `name: ${fleet}
services:
  app:
    image: fleetd-test/app:v1
    command: ["sh", "-c", ${JSON.stringify(report.replaceAll("$", () => "$$"))}]
    stop_grace_period: 2s
    secrets:
      - db
      - source: token
        target: api/token
        uid: "1000"
        gid: "1001"
        mode: 0440
    configs:
      - app.conf
      - source: motd
        target: /etc/motd
        mode: "0600"
    x-fleetd:
      update:
        min_ready: 1s
      hooks:
        # A hook's run container gets the service's secrets, as \`docker compose run\` does.
        pre_deploy:
          - run: { command: ["sh", "-c", "test -s /run/secrets/api/token && test -s /run/secrets/db"] }
secrets:
  db:
    file: ./secrets/db.txt
  token:
    environment: API_TOKEN
configs:
  app.conf:
    file: ./conf/app.conf
  motd:
    content: "hello \${GREETING}"
`

for (const engine of testEngines()) {
  describe(`secrets and configs on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    let fleet = ""
    let dir = ""
    let file = ""
    const outputs: Array<string> = []
    const fleetd = async (env: Record<string, string>, ...args: Array<string>) => {
      const result = await runFleetd([...args, "-f", file], {
        dockerHost: engine.host,
        env: { GREETING: "world", ...env },
      })
      outputs.push(result.stdout, result.stderr)
      return result
    }
    const apply = async (token: string) => {
      const result = await fleetd({ API_TOKEN: token }, "apply", "--json")
      // stderr holds the log (the hook step's line): it is searched for values below.
      expect(result.code, result.stderr).toBe(0)
      return {
        code: result.code,
        ...(JSON.parse(result.stdout) as { services: Array<Record<string, unknown>> }),
      }
    }
    const container = () => docker.getContainer(`${fleet}-app`).inspect()
    /** What the container printed about its files, once it printed all four. */
    const granted = async (): Promise<ReadonlyArray<string>> => {
      const deadline = Date.now() + 20_000
      for (;;) {
        const logs = demuxLogs(
          await docker.getContainer(`${fleet}-app`).logs({ stdout: true, stderr: true, follow: false }),
        )
        const lines = logs.split("\n").filter((l) => l.startsWith("/"))
        if (lines.length >= 4) return lines
        if (Date.now() > deadline) throw new Error(`the container printed only: ${logs}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    }

    beforeEach(() => {
      fleet = uniqueFleet("e2e-sec")
      dir = mkdtempSync(join(tmpdir(), "fleetd-secrets-"))
      file = join(dir, "fleet.yaml")
      mkdirSync(join(dir, "secrets"))
      mkdirSync(join(dir, "conf"))
      writeFileSync(join(dir, "secrets/db.txt"), fileSecret)
      writeFileSync(join(dir, "conf/app.conf"), "listen=80")
      writeFileSync(file, manifest(fleet))
      outputs.length = 0
    })
    let daemon: Daemon | undefined
    afterEach(async () => {
      await stopDaemon(daemon)
      daemon = undefined
      await cleanupFleet(engine, fleet)
    })

    it("mounts file secrets and configs read-only and copies the others in with their owner and mode", {
      timeout: 240_000,
    }, async () => {
      const first = await apply(envSecret)
      expect(first.code).toBe(0)
      expect(first.services.map((s) => s["outcome"])).toEqual(["created"])
      const hooks = first.services[0]?.["hooks"] as ReadonlyArray<{ phase: string; ok: boolean }> | undefined
      expect(hooks?.map((h) => [h.phase, h.ok])).toEqual([["pre_deploy", true]])
      expect(await granted()).toEqual([
        `/run/secrets/db 644 0:0 ${fileSecret}`,
        `/run/secrets/api/token 440 1000:1001 ${envSecret}`,
        "/app.conf 644 0:0 listen=80",
        "/etc/motd 600 0:0 hello world",
      ])
      const info = await container()
      const binds = info.Mounts.map((m) => [m.Destination, m.RW, m.Source]).sort()
      expect(binds).toEqual([
        ["/app.conf", false, join(dir, "conf/app.conf")],
        ["/run/secrets/db", false, join(dir, "secrets/db.txt")],
      ])

      const again = await apply(envSecret)
      expect(again.services.map((s) => s["outcome"])).toEqual(["unchanged"])
    })

    it("replaces the container when a secret file or variable changes, and never shows a value", {
      timeout: 420_000,
    }, async () => {
      await apply(envSecret)
      const firstId = (await container()).Id

      writeFileSync(join(dir, "secrets/db.txt"), `${fileSecret}-v2`)
      const plan = await fleetd({ API_TOKEN: envSecret }, "plan")
      expect(plan.stdout).toMatch(/app/)
      const replaced = await apply(envSecret)
      expect(replaced.services.map((s) => [s["outcome"], s["changes"]])).toEqual([
        ["replaced", ["referenced files"]],
      ])
      const secondId = (await container()).Id
      expect(secondId).not.toBe(firstId)
      expect((await granted())[0]).toBe(`/run/secrets/db 644 0:0 ${fileSecret}-v2`)

      await fleetd({ API_TOKEN: envSecret2 }, "plan", "--json")
      const rotated = await apply(envSecret2)
      expect(rotated.services.map((s) => [s["outcome"], s["changes"]])).toEqual([["replaced", ["secrets"]]])
      expect((await container()).Id).not.toBe(secondId)
      expect((await granted())[1]).toBe(`/run/secrets/api/token 440 1000:1001 ${envSecret2}`)

      const info = await container()
      const shown = [...outputs, JSON.stringify(info.Config.Labels), JSON.stringify(info.Config.Env)].join(
        "\n",
      )
      for (const value of [fileSecret, envSecret, envSecret2]) expect(shown).not.toContain(value)
    })

    it("refuses an unset variable at its position, and a read-only service that would need a copy", {
      timeout: 120_000,
    }, async () => {
      const unset = await fleetd({}, "validate")
      expect(unset.code).not.toBe(0)
      expect(unset.stderr + unset.stdout).toMatch(
        /fleet\.yaml:\d+:\d+: secrets\.token\.environment: secret "token": variable API_TOKEN is not set/,
      )
      writeFileSync(
        file,
        manifest(fleet).replace(
          "    stop_grace_period: 2s",
          "    stop_grace_period: 2s\n    read_only: true",
        ),
      )
      const readOnly = await fleetd({ API_TOKEN: envSecret }, "validate")
      expect(readOnly.stderr + readOnly.stdout).toMatch(
        /cannot copy secret "token" into read-only service "app"/,
      )
      expect(outputs.join("\n")).not.toContain(envSecret)
    })

    it("the daemon replaces the container when a watched secret file changes; /status, fleetd status and its log show no value", {
      timeout: 240_000,
    }, async () => {
      const port = await freePort()
      const d = startDaemon(["--dir", dir, "--interval", "1h"], {
        dockerHost: engine.host,
        port,
        env: { API_TOKEN: envSecret, GREETING: "world" },
      })
      daemon = d
      await eventually(
        "the first container",
        async () => ((await granted()).length >= 4 ? true : undefined),
        120_000,
      )
      // Let the 1 s spacing between passes elapse, so the edit is picked up at once.
      await new Promise((r) => setTimeout(r, 1100))
      writeFileSync(join(dir, "secrets/db.txt"), `${fileSecret}-v2`)
      await eventually(
        "the new secret in a new container",
        async () => ((await granted())[0] === `/run/secrets/db 644 0:0 ${fileSecret}-v2` ? true : undefined),
        120_000,
      )
      // The new container holds the name before the old one (--prev) is removed and the pass ends.
      const status = await eventually("the pass recorded", async () => {
        const s = await d.status()
        return s.services[0]?.lastChange?.outcome === "replaced" ? s : undefined
      })
      expect(status.services[0]?.lastChange).toMatchObject({ outcome: "replaced", reason: "spec changed" })
      const shown = await runFleetd(["status", "--url", d.base], { dockerHost: engine.host })
      expect(shown.code).toBe(0)
      const everything = [JSON.stringify(status), shown.stdout, shown.stderr, await stopDaemon(d)].join("\n")
      for (const value of [fileSecret, envSecret]) expect(everything).not.toContain(value)
    })
  })
}

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose ${VAR} syntax is the subject under test
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { runFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, runningEnv, testEngines, uniqueFleet } from "../support/testEngines.ts"

const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`
const quick = `    command: ${idle}\n    stop_grace_period: 2s\n    x-fleetd: { update: { min_ready: 0s } }\n`

for (const engine of testEngines()) {
  describe(`include and extends through fleetd apply on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    let fleet = ""
    let repo = ""
    const put = (path: string, text: string) => {
      mkdirSync(dirname(join(repo, path)), { recursive: true })
      writeFileSync(join(repo, path), text)
    }
    const apply = () =>
      runFleetd(["apply", "--json", "-f", join(repo, "fleet.yaml")], { dockerHost: engine.host })
    const mounts = async (service: string) =>
      ((await docker.getContainer(`${fleet}-${service}`).inspect()).Mounts ?? [])
        .map((m) => [m.Source, m.Destination])
        .sort()

    beforeEach(() => {
      fleet = uniqueFleet("inc")
      repo = realpathSync(mkdtempSync(join(tmpdir(), "fleetd-include-")))
    })
    afterEach(() => cleanupFleet(engine, fleet))

    it("runs a root file including per-directory projects, each with its own .env, env_file and bind paths", async () => {
      put(
        "fleet.yaml",
        `name: ${fleet}\ninclude:\n  - apps/web/compose.yml\n  - path: apps/db/compose.yml\n    env_file: apps/db/db.vars\n`,
      )
      put(
        "apps/web/compose.yml",
        `services:\n  web:\n    extends: {file: ../common/base.yml, service: base}\n    env_file: web.env\n    environment: {GREETING: "\${GREETING}"}\n    volumes: [./site:/site:ro]\n${quick}`,
      )
      put("apps/web/.env", "GREETING=hello-${WHO:-web}\n")
      put("apps/web/web.env", "ROLE=frontend\n")
      put("apps/web/site/index.html", "hi\n")
      put(
        "apps/common/base.yml",
        "services:\n  base:\n    image: fleetd-test/app:v1\n    env_file: common.env\n",
      )
      put("apps/common/common.env", "FROM_BASE=yes\n")
      put(
        "apps/db/compose.yml",
        `services:\n  db:\n    image: fleetd-test/app:\${DB_TAG}\n    volumes: [./data:/data]\n${quick}`,
      )
      put("apps/db/db.vars", "DB_TAG=v1\n")
      mkdirSync(join(repo, "apps/db/data"))

      const result = await apply()
      expect(result.stderr).toBe("")
      expect(result.code).toBe(0)
      const env = await runningEnv(docker, `${fleet}-web`)
      expect(env).toEqual(expect.arrayContaining(["GREETING=hello-web", "ROLE=frontend", "FROM_BASE=yes"]))
      expect(await mounts("web")).toEqual([[join(repo, "apps/web/site"), "/site"]])
      expect(await mounts("db")).toEqual([[join(repo, "apps/db/data"), "/data"]])

      // A second apply finds nothing to do: the composition is stable.
      const again = await apply()
      expect(again.code).toBe(0)
      const services = (JSON.parse(again.stdout) as { services: Array<{ outcome: string }> }).services
      expect(services.map((s) => s.outcome)).toEqual(["unchanged", "unchanged"])
    })

    it("refuses a service defined in two files with both positions, touching nothing", async () => {
      put(
        "fleet.yaml",
        `name: ${fleet}\ninclude: [app/compose.yml]\nservices:\n  web:\n    image: fleetd-test/app:v1\n`,
      )
      put("app/compose.yml", "services:\n  web:\n    image: fleetd-test/app:v1\n")
      const result = await runFleetd(["apply", "-f", join(repo, "fleet.yaml")], { dockerHost: engine.host })
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(
        `${join(repo, "app/compose.yml")}:3:5: services.web: service "web" is also defined at ${join(repo, "fleet.yaml")}:5:5`,
      )
      expect(
        await docker.listContainers({ all: true, filters: { label: [`fleetd.fleet=${fleet}`] } }),
      ).toEqual([])
    })
  })
}

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { applyJson } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, runningEnv, testEngines, uniqueFleet } from "../support/testEngines.ts"

/**
 * The base is one of the locally imported busybox images: no registry is reachable,
 * and `network: none` keeps the RUN steps off the network. The stage after `final`
 * fails, so building it at all (a target not honoured) fails the test.
 */
const dockerfile = `FROM busybox:1.36 AS base
ARG GREETING=unset
ENV GREETING=$GREETING
RUN echo "$GREETING" > /greeting
FROM base AS final
COPY page.txt /page.txt
CMD ["sh", "-c", "cat /greeting /page.txt; exec sleep 3600"]
FROM base AS never-built
RUN false
`

const manifest = (fleet: string, extra: ReadonlyArray<string> = []) =>
  [
    `name: ${fleet}`,
    "services:",
    "  web:",
    "    build:",
    "      context: ./app",
    "      args: [GREETING=hello-from-args]",
    "      target: final",
    "      network: none",
    "    network_mode: none",
    "    stop_grace_period: 1s",
    "    x-fleetd: { update: { min_ready: 500ms } }",
    ...extra,
  ].join("\n")

const broken = [
  "  bad:",
  "    build: { context: ./bad, network: none }",
  "    network_mode: none",
  "    stop_grace_period: 1s",
]

interface Applied {
  readonly code: number
  readonly services: ReadonlyArray<{
    service: string
    outcome: string
    reason?: string
    build?: { image: string; ok: boolean; imageId?: string; outputTail: string; error?: string }
  }>
  readonly resources?: ReadonlyArray<{ kind: string; name: string; outcome: string }>
}

for (const engine of testEngines()) {
  describe(`build on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    let fleet = ""
    let repo = ""
    /** Image ids a rebuild left untagged: removed with the test's tags. */
    let replaced: Array<string> = []
    const write = (name: string, text: string) => {
      mkdirSync(dirname(join(repo, name)), { recursive: true })
      writeFileSync(join(repo, name), text)
    }
    const apply = async (text: string): Promise<Applied> => {
      const result = await applyJson<Applied["services"][number]>(join(repo, "fleet.yaml"), text, engine.host)
      return result as Applied
    }
    const imageOf = async (name: string) => (await docker.getContainer(name).inspect()).Image
    const logsOf = async (name: string) =>
      (await docker.getContainer(name).logs({ stdout: true, stderr: true, follow: false })).toString()

    beforeEach(() => {
      fleet = uniqueFleet("build")
      replaced = []
      repo = mkdtempSync(join(tmpdir(), "fleetd-build-e2e-"))
      write("app/Dockerfile", dockerfile)
      write("app/page.txt", "page v1\n")
      write("app/.dockerignore", "*.log\n")
      write("bad/Dockerfile", "FROM busybox:1.36\nRUN echo about to fail && false\n")
    })
    afterEach(async () => {
      await cleanupFleet(engine, fleet)
      for (const tag of [`${fleet}-web`, `${fleet}-bad`, ...replaced])
        await docker
          .getImage(tag)
          .remove({ force: true })
          .catch(() => undefined)
      rmSync(repo, { recursive: true, force: true })
    })

    it("builds with args and target and runs it; an unchanged context builds nothing; an edited one rebuilds and replaces", async () => {
      const first = await apply(manifest(fleet))
      expect(first.code).toBe(0)
      const web = first.services.find((s) => s.service === "web")
      expect(web?.outcome).toBe("created")
      expect(web?.build?.ok).toBe(true)
      expect(web?.build?.outputTail).toMatch(/COPY page\.txt/)
      expect(first.resources).toContainEqual({ kind: "image", name: `${fleet}-web`, outcome: "built" })
      expect(await runningEnv(docker, `${fleet}-web`)).toContain("GREETING=hello-from-args")
      const firstImage = await imageOf(`${fleet}-web`)
      replaced.push(firstImage)
      expect(firstImage).toBe(web?.build?.imageId)
      expect(await logsOf(`${fleet}-web`)).toContain("page v1")

      // Unchanged (an ignored file changing included): nothing built, nothing changed.
      write("app/debug.log", "ignored by .dockerignore\n")
      const second = await apply(manifest(fleet))
      expect(second.code).toBe(0)
      expect(second.services.map((s) => `${s.service}:${s.outcome}`)).toEqual(["web:unchanged"])
      expect(second.services[0]?.build).toBeUndefined()
      expect(second.resources ?? []).toEqual([])
      expect(await imageOf(`${fleet}-web`)).toBe(firstImage)

      write("app/page.txt", "page v2\n")
      const third = await apply(manifest(fleet))
      expect(third.code).toBe(0)
      expect(third.services.find((s) => s.service === "web")?.outcome).toBe("replaced")
      const rebuilt = await imageOf(`${fleet}-web`)
      expect(rebuilt).not.toBe(firstImage)
      expect(await logsOf(`${fleet}-web`)).toContain("page v2")
    })

    it("fails only the service whose Dockerfile is broken, with the builder's error in the output", async () => {
      const applied = await apply(manifest(fleet, broken))
      expect(applied.code).toBe(1)
      const bad = applied.services.find((s) => s.service === "bad")
      expect(bad?.outcome).toBe("failed")
      expect(bad?.reason).toMatch(new RegExp(`^build of image ${fleet}-bad failed: `))
      expect(bad?.build?.ok).toBe(false)
      expect(bad?.build?.error).toBeTruthy()
      expect(bad?.build?.outputTail).toContain("about to fail")
      expect(applied.services.find((s) => s.service === "web")?.outcome).toBe("created")
      const names = (await docker.listContainers({ all: true })).flatMap((c) => c.Names)
      expect(names).toContain(`/${fleet}-web`)
      expect(names).not.toContain(`/${fleet}-bad`)
    })
  })
}

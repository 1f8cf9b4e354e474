import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect, Result } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { loadManifest } from "../../../src/manifest/loadManifest.ts"
import { formatManifestError } from "../../../src/manifest/ManifestError.ts"

let base: string
let repo: string

const write = (name: string, text: string) => writeFileSync(join(repo, name), text)

const run = async (yaml: string) => {
  write("fleet.yaml", yaml)
  const result = await Effect.runPromise(
    Effect.result(
      loadManifest(join(repo, "fleet.yaml"), { fleet: "t", environment: {} }).pipe(
        Effect.provide(NodeFileSystem.layer),
      ),
    ),
  )
  return Result.isSuccess(result)
    ? result.success
    : formatManifestError(result.failure).replaceAll(repo, "<repo>")
}

describe("file references stay inside the repository", () => {
  beforeAll(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), "fleetd-manifest-")))
    repo = join(base, "repo")
    mkdirSync(join(repo, "conf"), { recursive: true })
    writeFileSync(join(base, "secret.env"), "TOKEN=outside\n")
    write("conf/app.conf", "listen 80\n")
    write("app.env", "A=1\n")
    symlinkSync(join(base, "secret.env"), join(repo, "sneaky.env"))
    symlinkSync(base, join(repo, "up"))
    symlinkSync(join(repo, "conf"), join(repo, "conf-link"))
  })
  afterAll(() => rmSync(base, { recursive: true, force: true }))

  it("loads env_files and bind mounts inside the repository, with real absolute paths", async () => {
    const loaded = await run(
      "services:\n  web:\n    image: busybox\n    env_file: ./app.env\n    volumes: [./conf-link/app.conf:/etc/app.conf:ro, ./conf:/conf]\n",
    )
    if (typeof loaded === "string") throw new Error(loaded)
    expect(loaded.desired.services[0]!.spec).toMatchObject({
      env: ["A=1"],
      mounts: [
        { type: "bind", source: join(repo, "conf"), target: "/conf", readOnly: false },
        { type: "bind", source: join(repo, "conf/app.conf"), target: "/etc/app.conf", readOnly: true },
      ],
    })
  })

  it("hashes bind-mounted files, so editing one changes the config hash", async () => {
    const yaml = "services:\n  web:\n    image: busybox\n    volumes: [./conf/app.conf:/etc/app.conf:ro]\n"
    const before = await run(yaml)
    write("conf/app.conf", "listen 81\n")
    const after = await run(yaml)
    if (typeof before === "string" || typeof after === "string") throw new Error("load failed")
    expect(before.desired.services[0]!.configHash).not.toBe(after.desired.services[0]!.configHash)
  })

  it("refuses ../ escapes, absolute env_files, ~ and symlinks leading out, reporting all of them (absolute bind sources are the policy's)", async () => {
    expect(
      await run(`services:
  web:
    image: busybox
    env_file: [../secret.env, /etc/environment, sneaky.env, missing.env]
    volumes:
      - /etc:/host-etc:ro
      - ../:/parent
      - ./up/secret.env:/s
      - {type: bind, source: ~/x, target: /home}
`),
    ).toBe(
      [
        "<repo>/fleet.yaml:4:16: services.web.env_file[0]: env_file ../secret.env escapes the repository (use a path inside the directory of fleet.yaml)",
        "<repo>/fleet.yaml:4:31: services.web.env_file[1]: env_file /etc/environment is outside the repository (use a path relative to fleet.yaml)",
        `<repo>/fleet.yaml:4:49: services.web.env_file[2]: env_file sneaky.env resolves to ${base}/secret.env, outside the repository (a symlink may not point outside the directory of fleet.yaml)`,
        "<repo>/fleet.yaml:4:61: services.web.env_file[3]: env_file missing.env does not exist in the repository",
        "<repo>/fleet.yaml:7:9: services.web.volumes[1]: bind mount source ../ escapes the repository (use a path inside the directory of fleet.yaml)",
        `<repo>/fleet.yaml:8:9: services.web.volumes[2]: bind mount source up/secret.env resolves to ${base}/secret.env, outside the repository (a symlink may not point outside the directory of fleet.yaml)`,
        "<repo>/fleet.yaml:9:30: services.web.volumes[3].source: bind mount source ~/x uses ~, which fleetd does not expand (write the absolute host path)",
      ].join("\n"),
    )
  })

  it("reports a missing manifest and an oversized one without throwing", async () => {
    const missing = await Effect.runPromise(
      Effect.flip(
        loadManifest(join(repo, "nope.yaml"), { environment: {} }).pipe(Effect.provide(NodeFileSystem.layer)),
      ),
    )
    expect(formatManifestError(missing).replaceAll(repo, "<repo>")).toBe(
      "<repo>/nope.yaml:1:1: cannot read the manifest: no such file",
    )
    expect(await run(`services: {}\n${"#".repeat(2 * 1024 * 1024)}\n`)).toBe(
      "<repo>/fleet.yaml:1:1: the manifest is 2097166 bytes, over the 1048576-byte limit (keep fleet.yaml under 1 MiB)",
    )
  })
})

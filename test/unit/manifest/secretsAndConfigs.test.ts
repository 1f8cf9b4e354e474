// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose ${VAR} syntax is part of the subject under test
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect, Redacted } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import type { FileGrant } from "../../../src/domain/FileGrant.ts"
import { canonicalJson } from "../../../src/domain/specHash.ts"
import { specSummary } from "../../../src/domain/specSummary.ts"
import { toCreateBody } from "../../../src/engine/toCreateBody.ts"
import { loadManifest } from "../../../src/manifest/loadManifest.ts"
import type { FileFact } from "../../../src/manifest/manifestFiles.ts"
import { desired, file, issues, load } from "./support.ts"

const value = "hunter2-s3cr3t"
const files = (content = value): Record<string, FileFact> => ({
  "secrets/db.txt": file(content, "/repo/secrets/db.txt"),
  "conf/app.conf": file("listen 80\n", "/repo/conf/app.conf"),
})

/** A manifest with one service `web` granting what `grants` says, the definitions in `top`. */
const manifest = (grants: string, top: string) => `services:\n  web:\n    image: busybox\n${grants}\n${top}\n`

const web = (text: string, options: Parameters<typeof load>[1] = {}) =>
  desired(load(text, { files: files(), ...options })).services.find((s) => s.name === "web")!

/** A grant without its redacted content, plus the content read out. */
const plain = (g: FileGrant) =>
  g.from.type === "file"
    ? g
    : { ...g, from: { ...g.from, content: Redacted.value(g.from.content), sha256: "…" } }

describe("secrets and configs as Compose gives them on one engine", () => {
  it("mounts a file secret read-only at /run/secrets/<name> (short syntax)", () => {
    const s = web(manifest("    secrets: [db]", "secrets:\n  db:\n    file: ./secrets/db.txt"))
    expect(s.spec.secrets).toEqual([
      { source: "db", target: "/run/secrets/db", from: { type: "file", path: "/repo/secrets/db.txt" } },
    ])
    expect(s.spec.configs).toBeUndefined()
    expect(toCreateBody(s.spec, {}).body.HostConfig.Mounts).toEqual([
      { Type: "bind", Source: "/repo/secrets/db.txt", Target: "/run/secrets/db", ReadOnly: true },
    ])
  })

  it.each([
    [
      "a relative secret target is under /run/secrets",
      "secrets",
      "target: db_password",
      "/run/secrets/db_password",
    ],
    ["an absolute secret target is kept", "secrets", "target: /etc/db.pw", "/etc/db.pw"],
    ["a config is at /<name>", "configs", "", "/app"],
    ["a relative config target is under /", "configs", "target: etc/app.conf", "/etc/app.conf"],
    ["an absolute config target is kept", "configs", "target: /etc/app.conf", "/etc/app.conf"],
  ])("%s", (_, kind, target, expected) => {
    const source = kind === "secrets" ? "db" : "app"
    const top =
      kind === "secrets"
        ? "secrets:\n  db:\n    file: ./secrets/db.txt"
        : "configs:\n  app:\n    file: ./conf/app.conf"
    const s = web(manifest(`    ${kind}:\n      - source: ${source}\n        ${target}`, top))
    expect(s.spec[kind as "secrets" | "configs"]?.map((g) => g.target)).toEqual([expected])
  })

  it("copies an environment secret and a content config in, with uid, gid and mode (YAML 0440 is octal)", () => {
    const s = web(
      manifest(
        '    secrets:\n      - source: token\n        uid: "1000"\n        gid: 1001\n        mode: 0440\n    configs:\n      - source: app\n        mode: "0600"',
        'secrets:\n  token:\n    environment: API_TOKEN\nconfigs:\n  app:\n    content: "port=${PORT}"',
      ),
      { environment: { API_TOKEN: value }, dotEnv: "PORT=8080\nAPI_TOKEN=from-dotenv\n" },
    )
    expect(s.spec.secrets?.map(plain)).toEqual([
      {
        source: "token",
        target: "/run/secrets/token",
        from: { type: "content", sha256: "…", content: value, uid: 1000, gid: 1001, mode: 0o440 },
      },
    ])
    expect(s.spec.configs?.map(plain)).toEqual([
      {
        source: "app",
        target: "/app",
        from: { type: "content", sha256: "…", content: "port=8080", uid: 0, gid: 0, mode: 0o600 },
      },
    ])
  })

  it("takes an environment secret from .env when fleetd's environment lacks it", () => {
    const s = web(manifest("    secrets: [token]", "secrets:\n  token:\n    environment: API_TOKEN"), {
      dotEnv: `API_TOKEN=${value}\n`,
    })
    const grant = s.spec.secrets?.[0]
    expect(grant?.from.type === "content" && Redacted.value(grant.from.content)).toBe(value)
    expect(grant?.from.type === "content" && grant.from.mode).toBe(0o444)
  })

  it("gives a hook's run container the service's secrets, as `docker compose run` does", () => {
    const s = web(
      `${manifest("    secrets: [token]", "secrets:\n  token:\n    environment: API_TOKEN")}`.replace(
        "    secrets: [token]",
        "    secrets: [token]\n    x-fleetd:\n      hooks:\n        pre_deploy:\n          - run: { command: migrate }",
      ),
      { environment: { API_TOKEN: value } },
    )
    const step = s.hooks?.pre_deploy?.[0]
    expect(step?.kind === "run" && step.spec.secrets?.map((g) => g.target)).toEqual(["/run/secrets/token"])
  })

  it("leaves the spec without secrets or configs when the manifest has none, so existing hashes stay", () => {
    const s = web(manifest("", "secrets:\n  unused:\n    external: true"))
    expect("secrets" in s.spec || "configs" in s.spec).toBe(false)
  })
})

describe("the value of a secret is part of the spec hash, never of what is shown", () => {
  const text = manifest(
    "    secrets: [db, token]",
    "secrets:\n  db:\n    file: ./secrets/db.txt\n  token:\n    environment: API_TOKEN",
  )
  const hashOf = (fileContent: string, token: string) =>
    desired(load(text, { files: files(fileContent), environment: { API_TOKEN: token } })).services[0]!
      .configHash

  it("a changed secret file or variable changes the hash; the same values give the same hash", () => {
    expect(hashOf("a", "b")).toBe(hashOf("a", "b"))
    expect(hashOf("a2", "b")).not.toBe(hashOf("a", "b"))
    expect(hashOf("a", "b2")).not.toBe(hashOf("a", "b"))
  })

  it("a service that does not use the secret keeps its hash", () => {
    const two = `${text}`.replace("services:\n", "services:\n  other:\n    image: busybox\n")
    const other = (token: string) =>
      desired(load(two, { files: files(), environment: { API_TOKEN: token } })).services.find(
        (s) => s.name === "other",
      )!.configHash
    expect(other("b2")).toBe(other("b"))
  })

  it("the value is in no serialized spec, label summary or create body", () => {
    const s = desired(load(text, { files: files(), environment: { API_TOKEN: value } })).services[0]!
    const shown = [
      canonicalJson(s.spec),
      JSON.stringify(s),
      canonicalJson(specSummary(s.spec)),
      JSON.stringify(toCreateBody(s.spec, {}).body),
    ]
    for (const text of shown) expect(text).not.toContain(value)
  })
})

describe("refused and warned, at their positions, never quoting a value", () => {
  const refused = (grants: string, top: string, options: Parameters<typeof load>[1] = {}) =>
    issues(load(manifest(grants, top), { files: files(), ...options }))

  it.each([
    [
      "an undefined secret",
      "    secrets: [nope]",
      "",
      'fleet.yaml:4:15: services.web.secrets[0]: service "web" refers to undefined secret "nope"',
    ],
    [
      "an external secret (no Swarm here)",
      "    secrets: [db]",
      "secrets:\n  db:\n    external: true",
      'fleet.yaml:7:5: secrets.db.external: secret "db": external is for Swarm secrets',
    ],
    [
      "a Swarm driver",
      "    configs: [app]",
      "configs:\n  app:\n    file: ./conf/app.conf\n    driver: vault",
      'fleet.yaml:8:5: configs.app.driver: config "app": driver is for Swarm configs',
    ],
    [
      "a secret with both file and environment",
      "    secrets: [db]",
      "secrets:\n  db:\n    file: ./secrets/db.txt\n    environment: X",
      'fleet.yaml:6:3: secrets.db: secret "db" has file and environment; give exactly one of file or environment',
    ],
    [
      "a config with no source",
      "    configs: [app]",
      "configs:\n  app: {}",
      'fleet.yaml:6:3: configs.app: config "app" needs one of file, environment or content',
    ],
    [
      "a file escaping the repository",
      "    secrets: [db]",
      "secrets:\n  db:\n    file: ../db.txt",
      'fleet.yaml:7:11: secrets.db.file: secret "db": file ../db.txt is outside the repository',
    ],
    [
      "an absolute file",
      "    secrets: [db]",
      "secrets:\n  db:\n    file: /etc/shadow",
      'fleet.yaml:7:11: secrets.db.file: secret "db": file /etc/shadow is outside the repository',
    ],
    [
      "a missing file",
      "    secrets: [db]",
      "secrets:\n  db:\n    file: ./secrets/missing.txt",
      'fleet.yaml:7:11: secrets.db.file: secret "db": file secrets/missing.txt does not exist in the repository',
    ],
    [
      "an unset variable",
      "    secrets: [db]",
      "secrets:\n  db:\n    environment: NOT_SET",
      'fleet.yaml:7:18: secrets.db.environment: secret "db": variable NOT_SET is not set',
    ],
    [
      "fleetd's own variable",
      "    secrets: [db]",
      "secrets:\n  db:\n    environment: FLEETD_WEBHOOK_SECRET",
      "fleet.yaml:7:18: secrets.db.environment: FLEETD_WEBHOOK_SECRET is reserved for fleetd's own settings",
    ],
    [
      "a copied secret in a read-only service",
      "    read_only: true\n    secrets: [db]",
      "secrets:\n  db:\n    environment: API_TOKEN",
      'fleet.yaml:5:15: services.web.secrets[0]: cannot copy secret "db" into read-only service "web"',
    ],
    [
      "a target a volume already mounts",
      "    volumes: [./conf:/run/secrets/db]\n    secrets: [db]",
      "secrets:\n  db:\n    file: ./secrets/db.txt",
      "fleet.yaml:5:15: services.web.secrets[0]: /run/secrets/db is mounted twice",
    ],
    [
      "a mode that is not octal",
      "    secrets: [{ source: db, mode: rw }]",
      "secrets:\n  db:\n    file: ./secrets/db.txt",
      'fleet.yaml:4:35: services.web.secrets[0].mode: "rw" is not a file mode',
    ],
    [
      "a uid that is a name",
      "    secrets: [{ source: db, uid: app }]",
      "secrets:\n  db:\n    file: ./secrets/db.txt",
      'fleet.yaml:4:34: services.web.secrets[0].uid: "app" is not a numeric id',
    ],
  ])("%s", (_, grants, top, expected) => {
    const found = refused(grants, top, {
      environment: { API_TOKEN: value, FLEETD_WEBHOOK_SECRET: value },
      files: { ...files(), conf: { kind: "directory", realPath: "/repo/conf" } },
    })
    expect(found.join("\n")).toContain(expected)
    expect(found.join("\n")).not.toContain(value)
  })

  it("refuses `content` on a secret, which Compose does not have", () => {
    expect(refused("    secrets: [db]", "secrets:\n  db:\n    content: x").join("\n")).toContain(
      'unknown or unsupported field "content"',
    )
  })

  it("warns that uid, gid and mode do not apply to a bind-mounted file, and that an empty value makes no file", () => {
    const result = load(
      manifest(
        "    secrets:\n      - source: db\n        mode: 0400\n      - empty",
        "secrets:\n  db:\n    file: ./secrets/db.txt\n  empty:\n    environment: EMPTY",
      ),
      { files: files(), environment: { EMPTY: "" } },
    )
    expect(result.warnings).toEqual([
      'fleet.yaml:5:9: services.web.secrets[0]: uid, gid and mode do not apply to secret "db": its file is bind-mounted as it is (Compose ignores them too)',
      'fleet.yaml:12:5: secrets.empty: secret "empty" is empty: no file is created for it (as in Compose)',
    ])
    const s = desired(result).services[0]!
    expect(s.spec.secrets?.map((g) => g.target)).toEqual(["/run/secrets/db"])
  })

  it("accepts the Swarm-only name and labels with a warning, as Compose ignores them on one engine", () => {
    const result = load(
      manifest(
        "    configs: [app]",
        "configs:\n  app:\n    file: ./conf/app.conf\n    name: app_v2\n    labels: {team: web}",
      ),
      { files: files() },
    )
    expect(result.warnings).toEqual([
      'fleet.yaml:8:11: configs.app.name: config "app": name is for Swarm configs; ignored on a single engine, as docker compose does',
      'fleet.yaml:9:13: configs.app.labels: config "app": labels is for Swarm configs; ignored on a single engine, as docker compose does',
    ])
    expect(desired(result).services[0]?.spec.configs?.map((g) => g.target)).toEqual(["/app"])
  })
})

describe("a secret file kept on the host (--local-files)", () => {
  let base = ""
  afterEach(() => rmSync(base, { recursive: true, force: true }))

  it("is read from --local-files at its repository-relative path, hashed, watched, and may climb to the repository root", async () => {
    base = realpathSync(mkdtempSync(join(tmpdir(), "fleetd-secret-local-")))
    const repo = join(base, "repo")
    const local = join(base, "local")
    mkdirSync(join(repo, "services/app"), { recursive: true })
    mkdirSync(join(local, "secrets"), { recursive: true })
    writeFileSync(join(local, "secrets/db.txt"), value)
    const manifestFile = join(repo, "services/app/compose.yaml")
    writeFileSync(
      manifestFile,
      manifest("    secrets: [db]", "secrets:\n  db:\n    file: ../../secrets/db.txt"),
    )
    const load = () =>
      Effect.runPromise(
        loadManifest(manifestFile, { fleet: "t", environment: {}, repository: repo, localFiles: local }).pipe(
          Effect.provide(NodeFileSystem.layer),
        ),
      )
    const first = await load()
    const grant = first.desired.services[0]!.spec.secrets?.[0]
    expect(grant?.from).toEqual({ type: "file", path: join(local, "secrets/db.txt") })
    expect(first.files).toContain(join(local, "secrets/db.txt"))
    writeFileSync(join(local, "secrets/db.txt"), `${value}-2`)
    expect((await load()).desired.services[0]!.configHash).not.toBe(first.desired.services[0]!.configHash)
  })
})

/**
 * SOPS-encrypted env files, secrets and configs, decrypted by the loader in memory
 * (decryptSopsFiles.ts): the service gets the cleartext (a secret or config as content
 * copied in, never a bind of the encrypted file), its config hash follows the values
 * (not the data key a re-encryption changes), and a file that cannot be decrypted is a
 * manifest issue at the reference. The files come from test/support/sopsWriter.ts, whose output
 * the reader is proven to share with the sops tool (test/unit/sops/decryptSops.test.ts).
 */
import { randomBytes } from "node:crypto"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { generateX25519Identity, identityToRecipient } from "age-encryption"
import { Effect, Redacted, Result } from "effect"
import { describe, expect, it } from "vitest"
import type { FileGrant } from "../../../src/domain/FileGrant.ts"
import { ageKeyFileFrom } from "../../../src/manifest/decryptSopsFiles.ts"
import { loadManifest } from "../../../src/manifest/loadManifest.ts"
import { formatManifestError } from "../../../src/manifest/ManifestError.ts"
import { type Entry, memoryFileSystem } from "../../support/memoryFileSystem.ts"
import { writeSopsDotenv } from "../../support/sopsWriter.ts"

const identity = await generateX25519Identity()
const recipient = await identityToRecipient(identity)
const keyFile = `# created: test\n# public key: ${recipient}\n${identity}\n`
const manifest = "services:\n  app:\n    image: busybox\n    env_file: app.env\n"

const load = (entries: Record<string, Entry>, ageKeyFile: string | undefined) =>
  Effect.runPromise(
    Effect.result(loadManifest("/repo/fleet.yaml", { fleet: "t", environment: {}, ageKeyFile })).pipe(
      Effect.provide(memoryFileSystem({ "/repo/fleet.yaml": manifest, "/keys.txt": keyFile, ...entries })),
    ),
  )

const app = async (env: string, entries: Record<string, Entry> = {}) => {
  const result = await load({ "/repo/app.env": env, ...entries }, "/keys.txt")
  if (Result.isFailure(result)) throw new Error(formatManifestError(result.failure))
  return result.success.desired.services[0]!
}

/** `null`: no key file set. */
const issue = async (entries: Record<string, Entry>, ageKeyFile: string | null = "/keys.txt") => {
  const result = await load(entries, ageKeyFile ?? undefined)
  return Result.isFailure(result) ? formatManifestError(result.failure) : "loaded"
}

describe("SOPS env files", () => {
  it("set the service's environment from the decrypted values; the file on disk stays encrypted", async () => {
    const service = await app(
      await writeSopsDotenv(
        [
          ["DB_PASSWORD", "s3cr3t"],
          ["GREETING", "hello world"],
        ],
        recipient,
      ),
    )
    expect(service.spec.env).toEqual(["DB_PASSWORD=s3cr3t", "GREETING=hello world"])
  })

  const dataKey = randomBytes(32)
  it.each([
    ["the same values under the same data key", true, [["A", "1"]], dataKey],
    ["the same values re-encrypted with a new data key", true, [["A", "1"]], randomBytes(32)],
    ["a changed value", false, [["A", "2"]], dataKey],
    [
      "an added value",
      false,
      [
        ["A", "1"],
        ["B", "1"],
      ],
      dataKey,
    ],
  ] as const)("%s: same config hash: %s", async (_, same, entries, key) => {
    const before = await app(await writeSopsDotenv([["A", "1"]], recipient, dataKey))
    const after = await app(await writeSopsDotenv(entries, recipient, key))
    expect(after.configHash === before.configHash).toBe(same)
  })

  it("a plain env file is read as before, with no key file set", async () => {
    const result = await load({ "/repo/app.env": "A=1\n" }, undefined)
    expect(Result.isSuccess(result) && result.success.desired.services[0]!.spec.env).toEqual(["A=1"])
  })

  const encrypted = () => writeSopsDotenv([["A", "secret-value"]], recipient)

  it("no key set: an issue at the env_file reference, naming the variable to set", async () => {
    const message = await issue({ "/repo/app.env": await encrypted() }, null)
    expect(message).toMatch(
      /^\/repo\/fleet\.yaml:4:15: services\.app\.env_file: env_file app\.env:2:1: this file is encrypted with SOPS, and no age key is set to decrypt it \(point FLEETD_AGE_KEY_FILE/,
    )
  })

  it("a key file that cannot be read, or holds no key, is named (never quoted)", async () => {
    expect(await issue({ "/repo/app.env": await encrypted() }, "/nowhere.txt")).toContain(
      "env_file app.env:1:1: this file is encrypted with SOPS, and the age key file /nowhere.txt cannot be read",
    )
    expect(
      await issue({ "/repo/app.env": await encrypted(), "/bad.txt": "# x\nnot-a-key\n" }, "/bad.txt"),
    ).toContain("the age key file /bad.txt has lines that are not age keys (line 2)")
  })

  it("a wrong key names the recipients the file is for", async () => {
    const other = await identityToRecipient(await generateX25519Identity())
    const message = await issue({ "/repo/app.env": await writeSopsDotenv([["A", "x"]], other) })
    expect(message).toContain(`no age key in /keys.txt can decrypt this file: it is encrypted for ${other}`)
  })

  it("tampering is refused at the place in the file, without quoting any value", async () => {
    const text = await writeSopsDotenv(
      [
        ["A", "secret-value"],
        ["B", "other-value"],
      ],
      recipient,
    )
    const cases = [
      [text.replace(/^B=.*\n/m, ""), /env_file app\.env:\d+:1: the file's MAC does not match its values/],
      [
        text.replace("A=", "C="),
        /env_file app\.env:1:1: the value of C does not decrypt with the file's data key/,
      ],
    ] as const
    for (const [tampered, expected] of cases) {
      const message = await issue({ "/repo/app.env": tampered })
      expect(message).toMatch(/^\/repo\/fleet\.yaml:4:15: services\.app\.env_file: /)
      expect(message).toMatch(expected)
      expect(message).not.toMatch(/secret-value|other-value/)
    }
  })

  it("a SOPS file that is not dotenv is refused as an env_file", async () => {
    const message = await issue(
      {
        "/repo/fleet.yaml": manifest.replace("app.env", "app.yaml"),
        "/repo/app.yaml": readFileSync(join(fixtures, "format.enc.yaml"), "utf8"),
        "/sops-keys.txt": readFileSync(join(fixtures, "keys.txt"), "utf8"),
      },
      "/sops-keys.txt",
    )
    expect(message).toContain(
      "env_file app.yaml:1:1: this env_file is a SOPS yaml file; an env_file must be SOPS dotenv",
    )
  })

  it("FLEETD_AGE_KEY_FILE wins over SOPS_AGE_KEY_FILE; an empty one counts as unset", () => {
    expect(ageKeyFileFrom({ FLEETD_AGE_KEY_FILE: "/a", SOPS_AGE_KEY_FILE: "/b" })).toBe("/a")
    expect(ageKeyFileFrom({ FLEETD_AGE_KEY_FILE: "", SOPS_AGE_KEY_FILE: "/b" })).toBe("/b")
    expect(ageKeyFileFrom({})).toBeUndefined()
  })
})

const withSecrets = `services:
  app:
    image: busybox
    secrets: [db]
    configs: [{ source: conf, target: /etc/app.yaml, mode: 0400 }]
secrets:
  db:
    file: ./secrets/db.env
configs:
  conf:
    file: ./conf.enc.yaml
`
const fixtures = join(import.meta.dirname, "../../fixtures/sops")
const fixtureKeys = readFileSync(join(fixtures, "keys.txt"), "utf8")
const bothKeys = `${keyFile}${fixtureKeys}`

describe("SOPS secrets and configs", () => {
  const files = async (secret: string) => ({
    "/repo/fleet.yaml": withSecrets,
    "/repo/secrets/db.env": secret,
    "/repo/conf.enc.yaml": readFileSync(join(fixtures, "format.enc.yaml"), "utf8"),
    "/keys.txt": bothKeys,
  })
  const grants = async (secret: string) => {
    const result = await load(await files(secret), "/keys.txt")
    if (Result.isFailure(result)) throw new Error(formatManifestError(result.failure))
    return result.success.desired.services[0]!
  }

  it("are copied in as content (never bind-mounted), in the format sops -d prints", async () => {
    const service = await grants(await writeSopsDotenv([["PASSWORD", "s3cr3t"]], recipient))
    // A decrypted file is held as bytes (a binary one need not be UTF-8): read as text here.
    const content = (g: FileGrant | undefined) => {
      const value = g?.from.type === "content" ? Redacted.value(g.from.content) : undefined
      return value instanceof Uint8Array ? new TextDecoder().decode(value) : value
    }
    expect(service.spec.secrets?.map((g) => [g.target, g.from.type])).toEqual([
      ["/run/secrets/db", "content"],
    ])
    expect(content(service.spec.secrets?.[0])).toBe("PASSWORD=s3cr3t\n")
    expect(service.spec.configs?.[0]).toMatchObject({
      target: "/etc/app.yaml",
      from: { type: "content", mode: 0o400 },
    })
    expect(content(service.spec.configs?.[0])).toBe("foo: bar\n")
    expect(service.spec.mounts).toEqual([])
  })

  it("a re-encryption keeps the config hash; a changed value changes it", async () => {
    const dataKey = randomBytes(32)
    const base = await grants(await writeSopsDotenv([["P", "1"]], recipient, dataKey))
    const again = await grants(await writeSopsDotenv([["P", "1"]], recipient))
    const changed = await grants(await writeSopsDotenv([["P", "2"]], recipient, dataKey))
    expect(again.configHash).toBe(base.configHash)
    expect(changed.configHash).not.toBe(base.configHash)
  })

  it("a read-only service cannot take one, and is told why", async () => {
    const result = await load(
      {
        ...(await files(await writeSopsDotenv([["P", "1"]], recipient))),
        "/repo/fleet.yaml": withSecrets.replace(
          "    image: busybox\n",
          "    image: busybox\n    read_only: true\n",
        ),
      },
      "/keys.txt",
    )
    expect(Result.isFailure(result) && formatManifestError(result.failure)).toContain(
      'cannot copy secret "db" into read-only service "app": its file is SOPS-encrypted, and its cleartext can only be copied in, never mounted',
    )
  })

  it("a tampered secret is an issue at the secret's file, quoting no value", async () => {
    const text = await writeSopsDotenv([["PASSWORD", "s3cr3t"]], recipient)
    const result = await load(await files(text.replace("PASSWORD=", "OTHER=")), "/keys.txt")
    const message = Result.isFailure(result) ? formatManifestError(result.failure) : "loaded"
    expect(message).toMatch(
      /^\/repo\/fleet\.yaml:8:11: secrets\.db\.file: secret "db": file secrets\/db\.env:1:1: the value of OTHER does not decrypt/,
    )
    expect(message).not.toContain("s3cr3t")
  })
})

describe("a SOPS-encrypted project .env", () => {
  const interpolating = `services:\n  app:\n    image: busybox\n    environment:\n      URL: "db://app:\${DB_PASSWORD}@db"\n`
  const loadEnv = (env: string) =>
    Effect.runPromise(
      Effect.result(
        loadManifest("/repo/fleet.yaml", { fleet: "t", environment: {}, ageKeyFile: "/keys.txt" }),
      ).pipe(
        Effect.provide(
          memoryFileSystem({ "/repo/fleet.yaml": interpolating, "/repo/.env": env, "/keys.txt": keyFile }),
        ),
      ),
    )

  it("gives its decrypted values to interpolation, as a plain .env would", async () => {
    const result = await loadEnv(await writeSopsDotenv([["DB_PASSWORD", "s3cr3t"]], recipient))
    if (Result.isFailure(result)) throw new Error(formatManifestError(result.failure))
    expect(result.success.desired.services[0]!.spec.env).toEqual(["URL=db://app:s3cr3t@db"])
  })

  it("that cannot be decrypted is an error at its own position, quoting no value", async () => {
    const env = await writeSopsDotenv([["DB_PASSWORD", "s3cr3t"]], recipient)
    const result = await loadEnv(env.replace("DB_PASSWORD=", "MOVED="))
    expect(Result.isFailure(result) && formatManifestError(result.failure)).toBe(
      "/repo/.env:1:1: the value of MOVED does not decrypt with the file's data key: it was altered, or moved from another key (encrypt the file again with sops rather than editing its ciphertext)",
    )
  })
})

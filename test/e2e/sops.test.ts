import { createHash, randomBytes } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { generateX25519Identity, identityToRecipient } from "age-encryption"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { execIn } from "../support/execIn.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { writeSopsBinary, writeSopsDotenv } from "../support/sopsWriter.ts"
import { cleanupFleet, rawClient, testEngines, uniqueFleet } from "../support/testEngines.ts"

/**
 * A SOPS-encrypted env file and secret through the CLI a user runs (docs/sops.md):
 * `fleetd apply` decrypts them in memory with FLEETD_AGE_KEY_FILE and the container gets
 * the values (the secret copied in, not mounted); a
 * re-encryption of the same values replaces nothing; a tampered file is refused at its
 * position and the running container is left alone. The value never shows in plan or
 * apply output, text or --json.
 */
const canary = `sops-c4n4ry-${randomBytes(4).toString("hex")}`

const manifest = (fleet: string) => `name: ${fleet}
services:
  app:
    image: fleetd-test/app:v1
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]
    stop_grace_period: 2s
    env_file: app.env
    secrets: [db, blob]
secrets:
  db:
    file: ./db.enc.env
  blob:
    file: ./blob.bin
`

for (const engine of testEngines()) {
  describe(`SOPS env files and secrets on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    let fleet = ""
    let dir = ""
    let keyFile = ""
    let recipient = ""
    const outputs: Array<string> = []
    const fleetd = async (...args: Array<string>) => {
      const result = await runFleetd([...args, "-f", join(dir, "fleet.yaml")], {
        dockerHost: engine.host,
        env: { FLEETD_AGE_KEY_FILE: keyFile },
      })
      outputs.push(result.stdout, result.stderr)
      return result
    }
    const outcomes = async () => {
      const result = await fleetd("apply", "--json")
      expect(result.code, result.stderr).toBe(0)
      return (JSON.parse(result.stdout) as { services: Array<{ outcome: string }> }).services.map(
        (s) => s.outcome,
      )
    }
    const container = () => docker.getContainer(`${fleet}-app`).inspect()

    beforeEach(async () => {
      fleet = uniqueFleet("e2e-sops")
      dir = mkdtempSync(join(tmpdir(), "fleetd-sops-"))
      // The key lives outside the repository, as it would on a host.
      const keys = mkdtempSync(join(tmpdir(), "fleetd-sops-key-"))
      const identity = await generateX25519Identity()
      recipient = await identityToRecipient(identity)
      keyFile = join(keys, "keys.txt")
      writeFileSync(keyFile, `# public key: ${recipient}\n${identity}\n`, { mode: 0o600 })
      writeFileSync(join(dir, "fleet.yaml"), manifest(fleet))
      outputs.length = 0
    })
    afterEach(async () => {
      await cleanupFleet(engine, fleet)
      rmSync(dir, { recursive: true, force: true })
      rmSync(join(keyFile, ".."), { recursive: true, force: true })
    })

    it("sets the container's environment from the decrypted file, and refuses a tampered one without touching it", {
      timeout: 120_000,
    }, async () => {
      const env = join(dir, "app.env")
      writeFileSync(env, await writeSopsDotenv([["DB_PASSWORD", canary]], recipient))
      writeFileSync(
        join(dir, "db.enc.env"),
        await writeSopsDotenv([["TOKEN", `${canary}-secret`]], recipient),
      )
      // A binary secret that is not UTF-8 (a keystore, a DER key) reaches the container byte for byte.
      const blob = Uint8Array.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, ...randomBytes(64)])
      writeFileSync(join(dir, "blob.bin"), await writeSopsBinary(blob, recipient))
      expect((await fleetd("plan")).code).toBe(0)
      await fleetd("plan", "--json")
      expect(await outcomes()).toEqual(["created"])
      const first = await container()
      expect(first.Config.Env).toContain(`DB_PASSWORD=${canary}`)
      // The secret is copied in through the archive endpoint: no bind of a plaintext file.
      expect(await execIn(docker, `${fleet}-app`, ["cat", "/run/secrets/db"])).toContain(
        `TOKEN=${canary}-secret`,
      )
      expect(first.Mounts.filter((m) => m.Destination === "/run/secrets/db")).toEqual([])
      expect(await execIn(docker, `${fleet}-app`, ["sha256sum", "/run/secrets/blob"])).toContain(
        createHash("sha256").update(blob).digest("hex"),
      )

      // Same values, new data key (what `sops updatekeys` or a rotation writes): nothing to do.
      writeFileSync(env, await writeSopsDotenv([["DB_PASSWORD", canary]], recipient))
      expect(await outcomes()).toEqual(["unchanged"])

      // A changed value replaces the container.
      writeFileSync(env, await writeSopsDotenv([["DB_PASSWORD", `${canary}-2`]], recipient))
      expect(await outcomes()).toEqual(["replaced"])
      const second = await container()
      expect(second.Config.Env).toContain(`DB_PASSWORD=${canary}-2`)

      // A value moved under another key: the MAC and the value's authentication say so.
      writeFileSync(env, readFileSync(env, "utf8").replace("DB_PASSWORD=", "OTHER="))
      const refused = await fleetd("apply")
      expect(refused.code).not.toBe(0)
      expect(refused.stderr).toMatch(
        /fleet\.yaml:7:15: services\.app\.env_file: env_file app\.env:1:1: the value of OTHER does not decrypt/,
      )
      expect(refused.stderr).toContain("nothing was changed")
      const json = await fleetd("apply", "--json")
      expect(JSON.parse(json.stdout)).toMatchObject({ valid: false, issues: [{ line: 7, column: 15 }] })
      const after = await container()
      expect([after.Id, after.State.Running]).toEqual([second.Id, true])

      for (const output of outputs) expect(output).not.toContain(canary)
    })
  })
}

import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect, Result } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { contentDigest, sha256Hex } from "../../../src/domain/specHash.ts"
import { loadManifest } from "../../../src/manifest/loadManifest.ts"
import { hashKeyPath, readHashKey } from "../../../src/manifest/secretHashKey.ts"

/**
 * Secret content is hashed into the spec (and so the container labels) with a key kept on
 * the host: the labels no longer let anyone test guesses of a short secret, yet the same
 * values keep the same hash from load to load, so nothing is replaced needlessly.
 */
const dirs: Array<string> = []
const temp = () => {
  const dir = mkdtempSync(join(tmpdir(), "fleetd-hashkey-"))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const run = <A, E>(effect: Effect.Effect<A, E, never>) => Effect.runPromise(effect)
const read = (path: string, create: boolean) =>
  run(Effect.result(readHashKey(path, create)).pipe(Effect.provide(NodeFileSystem.layer)))

describe("the hash key", () => {
  it("is created once, 0600, in the data directory, and read back the same", async () => {
    const path = hashKeyPath({}, join(temp(), "data"))
    const first = await read(path, true)
    expect((statSync(path).mode & 0o777).toString(8)).toBe("600")
    const second = await read(path, true)
    expect(Result.isSuccess(first) && Result.isSuccess(second) && [...first.success]).toEqual(
      Result.isSuccess(second) ? [...second.success] : undefined,
    )
    expect(hashKeyPath({ FLEETD_HASH_KEY_FILE: "/k" }, "/data")).toBe("/k")
  })

  it("is not written by a command that only reads (validate, plan)", async () => {
    const path = join(temp(), "hash.key")
    expect(Result.isSuccess(await read(path, false))).toBe(true)
    expect(() => statSync(path)).toThrow()
  })

  it("that is not a key is an error naming the file, never replaced", async () => {
    const path = join(temp(), "hash.key")
    writeFileSync(path, "not a key\n")
    const result = await read(path, true)
    expect(Result.isFailure(result) && result.failure.message).toContain(path)
    expect(readFileSync(path, "utf8")).toBe("not a key\n")
  })

  it("keys the content hash: not the plain SHA-256, different per key, stable per key", () => {
    const one = new Uint8Array(32).fill(1)
    const two = new Uint8Array(32).fill(2)
    expect(contentDigest(one)("hunter2")).not.toBe(sha256Hex("hunter2"))
    expect(contentDigest(one)("hunter2")).not.toBe(contentDigest(two)("hunter2"))
    expect(contentDigest(one)("hunter2")).toBe(contentDigest(one)(new TextEncoder().encode("hunter2")))
  })

  it("gives a service with a secret the same config hash on every load, and another with another key", async () => {
    const dir = temp()
    writeFileSync(
      join(dir, "fleet.yaml"),
      "services:\n  app:\n    image: busybox\n    secrets: [token]\nsecrets:\n  token:\n    environment: TOKEN\n",
    )
    const hash = async (keyFile: string) => {
      const loaded = await run(
        loadManifest(join(dir, "fleet.yaml"), {
          fleet: "t",
          environment: { TOKEN: "hunter2" },
          hashKey: { path: keyFile, create: true },
        }).pipe(Effect.provide(NodeFileSystem.layer)),
      )
      return loaded.desired.services[0]!.configHash
    }
    const a = join(dir, "a.key")
    expect(await hash(a)).toBe(await hash(a))
    expect(await hash(a)).not.toBe(await hash(join(dir, "b.key")))
  })
})

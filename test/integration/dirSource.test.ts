import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { DirSource } from "../../src/source/DirSource.ts"
import { ManifestSource } from "../../src/source/ManifestSource.ts"
import { tempDir } from "../support/gitRemote.ts"

const dirSource = (dir: string, manifestPath = "fleet.yaml") =>
  Effect.provide(
    Effect.gen(function* () {
      return yield* ManifestSource
    }),
    DirSource.layer(dir, manifestPath),
  )

describe("DirSource", () => {
  it.live("reports a content revision that changes with fleet.yaml and .env, and only then", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir("dir")
      writeFileSync(join(dir, "fleet.yaml"), "services: {}\n")
      const source = yield* dirSource(dir)
      const first = yield* source.sync
      expect(first.root).toBe(dir)
      expect(first.revision).toMatch(/^dir:[0-9a-f]{12}$/)
      expect((yield* source.sync).revision).toBe(first.revision)
      writeFileSync(join(dir, "unrelated.txt"), "x")
      expect((yield* source.sync).revision).toBe(first.revision)
      writeFileSync(join(dir, "fleet.yaml"), "services: {}\n# edited\n")
      const edited = (yield* source.sync).revision
      expect(edited).not.toBe(first.revision)
      writeFileSync(join(dir, ".env"), "TAG=1\n")
      const withEnv = (yield* source.sync).revision
      expect(withEnv).not.toBe(edited)
      writeFileSync(join(dir, ".env"), "TAG=2\n")
      expect((yield* source.sync).revision).not.toBe(withEnv)
      expect(source.describe).toEqual({ kind: "dir", location: dir, ref: "fleet.yaml" })
    }),
  )

  it.live("reads a manifest in a subdirectory, with the .env beside it", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir("dir")
      mkdirSync(join(dir, "deploy"))
      writeFileSync(join(dir, "deploy", "fleet.yaml"), "services: {}\n")
      const source = yield* dirSource(dir, "deploy/fleet.yaml")
      const before = (yield* source.sync).revision
      writeFileSync(join(dir, "deploy", ".env"), "A=1\n")
      expect((yield* source.sync).revision).not.toBe(before)
    }),
  )

  it.live("fails with Invalid when the directory or the manifest is missing", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir("dir")
      const noManifest = yield* Effect.flip((yield* dirSource(dir)).sync)
      expect(noManifest.reason).toBe("Invalid")
      expect(noManifest.message).toBe(
        `there is no manifest at ${join(dir, "fleet.yaml")} (check --path, relative to --dir)`,
      )
      rmSync(dir, { recursive: true })
      const noDir = yield* Effect.flip((yield* dirSource(dir)).sync)
      expect(noDir.reason).toBe("Invalid")
      expect(noDir.message).toBe(`the directory ${dir} does not exist (check --dir)`)
    }),
  )
})

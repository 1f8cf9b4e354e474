import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import type { DesiredState } from "../../../src/domain/DesiredState.ts"
import type { FileGrant } from "../../../src/domain/FileGrant.ts"
import { swarmObjectData } from "../../../src/reconciler/swarmObjectData.ts"
import { desired as fleetOf, service } from "../../support/fixtures.ts"
import { memoryFileSystem } from "../../support/memoryFileSystem.ts"

const file = (source: string, path: string): FileGrant => ({
  source,
  target: `/run/secrets/${source}`,
  from: { type: "file", path },
})
const value = (source: string, content: string | Uint8Array): FileGrant => ({
  source,
  target: `/etc/${source}`,
  from: { type: "content", sha256: "", content: Redacted.make(content), uid: 0, gid: 0, mode: 0o444 },
})

const fleet = (
  grants: Record<string, { secrets?: Array<FileGrant>; configs?: Array<FileGrant> }>,
): DesiredState =>
  fleetOf(
    Object.entries(grants).map(([name, g]) => service(name, g)),
    "shop",
  )

const read = (d: DesiredState, files: Record<string, string>) =>
  swarmObjectData(d).pipe(Effect.provide(memoryFileSystem(files)))

describe("swarmObjectData", () => {
  it.effect("names each secret and config after its content, once for every service using it", () =>
    Effect.gen(function* () {
      const { objects, failed } = yield* read(
        fleet({
          api: { secrets: [file("token", "/repo/token.txt")], configs: [value("app", "a=1")] },
          worker: { secrets: [file("token", "/repo/token.txt")] },
        }),
        { "/repo/token.txt": "t0k3n\n" },
      )
      assert.strictEqual(failed.size, 0)
      const token = objects.get("secret:token")
      assert.match(token?.name ?? "", /^shop_token_[0-9a-f]{12}$/)
      assert.deepStrictEqual(token?.services, ["api", "worker"])
      assert.strictEqual(new TextDecoder().decode(token?.data), "t0k3n\n")
      assert.match(objects.get("config:app")?.name ?? "", /^shop_app_[0-9a-f]{12}$/)
    }),
  )

  it.effect("changes the name when the content changes, keeps bytes as bytes", () =>
    Effect.gen(function* () {
      const one = yield* read(fleet({ api: { secrets: [value("k", "one")] } }), {})
      const two = yield* read(fleet({ api: { secrets: [value("k", "two")] } }), {})
      assert.notStrictEqual(one.objects.get("secret:k")?.name, two.objects.get("secret:k")?.name)
      const bytes = new Uint8Array([0xff, 0x00, 0xfe])
      const binary = yield* read(fleet({ api: { secrets: [value("k", bytes)] } }), {})
      assert.deepStrictEqual([...(binary.objects.get("secret:k")?.data ?? [])], [0xff, 0x00, 0xfe])
    }),
  )

  it.effect("fails the services of a file it cannot read, with the path, never the pass", () =>
    Effect.gen(function* () {
      const { objects, failed } = yield* read(
        fleet({ api: { secrets: [file("gone", "/repo/gone.txt")] } }),
        {},
      )
      assert.strictEqual(objects.size, 0)
      assert.include(failed.get("api") ?? "", 'secret "gone": cannot read /repo/gone.txt')
    }),
  )
})

import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { makeRegistry } from "../../../src/registry/Registry.ts"

// Port 9 on loopback: nothing listens, so a real lookup fails at once.
const image = "127.0.0.1:9/team/app:v2"

describe("announced pushes", () => {
  it.effect("answer the announced digest, and an older announcement never brings one back", () =>
    Effect.gen(function* () {
      const registry = makeRegistry({ cacheTtl: "1 minute", requestTimeout: "2 seconds" })
      yield* registry.announce([image], { [image]: { digest: "sha256:new", at: 2000 } })
      assert.strictEqual(yield* registry.resolveDigest(image), "sha256:new")
      // A retried older event: the cache is dropped, the registry is asked (and is down here).
      yield* registry.announce([image], { [image]: { digest: "sha256:old", at: 1000 } })
      const asked = yield* Effect.flip(registry.resolveDigest(image))
      assert.match(asked.message, /unreachable/)
      // An announcement without a digest (Docker Hub) drops the cache too.
      yield* registry.announce([image], { [image]: { digest: "sha256:newer", at: 3000 } })
      yield* registry.announce([image], {})
      assert.match((yield* Effect.flip(registry.resolveDigest(image))).message, /unreachable/)
    }),
  )
})

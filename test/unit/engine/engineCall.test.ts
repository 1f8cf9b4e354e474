import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { engineCall, succeedOnStatus, toEngineError } from "../../../src/engine/engineCall.ts"

const context = { operation: "ContainerEngine.createContainer", target: "container f-web" }

/** Shaped like docker-modem's rejections. */
const httpError = (statusCode: number, message: string) =>
  Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message} `), {
    statusCode,
    json: { message },
  })
const socketError = (code: string) => Object.assign(new Error(`connect ${code} /run/x.sock`), { code })

describe("toEngineError", () => {
  it.each([
    [404, "NotFound"],
    [409, "Conflict"],
    [400, "BadRequest"],
    [403, "Forbidden"],
    [500, "Unavailable"],
    [503, "Unavailable"],
    [418, "Unknown"],
  ] as const)("maps HTTP %i to %s", (status, reason) => {
    const error = toEngineError(context, httpError(status, "boom"))
    expect(error).toMatchObject({ reason, status, operation: context.operation })
    expect(error.message).toBe(`container f-web: engine answered ${status}: boom`)
  })

  it.each(["ECONNREFUSED", "ENOENT", "ECONNRESET", "EPIPE", "ETIMEDOUT"])(
    "maps %s to Unavailable",
    (code) => {
      const error = toEngineError(context, socketError(code))
      expect(error.reason).toBe("Unavailable")
      expect(error.message).toContain("engine unreachable")
    },
  )

  it("says what to do about an engine it cannot reach or may not use", () => {
    expect(toEngineError(context, socketError("ENOENT")).message).toMatch(
      /\(no socket at that path: start Docker or Podman, or point --engine \(or DOCKER_HOST\) at its socket\)$/,
    )
    expect(toEngineError(context, socketError("ECONNREFUSED")).message).toMatch(
      /\(nothing accepts connections there: start the engine, or point --engine \(or DOCKER_HOST\) at it\)$/,
    )
    expect(toEngineError(context, socketError("EACCES")).message).toMatch(
      /\(permission denied: run fleetd as a user in the socket's group, or as root\)$/,
    )
  })

  it("reads Podman's 500 for a name in use as Conflict", () => {
    const podman = httpError(
      500,
      'creating container storage: the container name "f-web" is already in use by 1a2b',
    )
    expect(toEngineError(context, podman).reason).toBe("Conflict")
  })

  it("never repeats the values it was told to redact", () => {
    const error = toEngineError(
      { ...context, redact: ["hunter2"] },
      httpError(400, "invalid env TOKEN=hunter2"),
    )
    expect(error.message).not.toContain("hunter2")
  })

  it("handles things that are not errors", () => {
    expect(toEngineError(context, "weird").reason).toBe("Unknown")
  })
})

describe("engineCall", () => {
  it("gives up after the timeout as Unavailable and aborts the request", async () => {
    let aborted = false
    const never = (signal: AbortSignal) =>
      new Promise<never>(() => {
        signal.addEventListener("abort", () => {
          aborted = true
        })
      })
    const error = await Effect.runPromise(Effect.flip(engineCall(context, "30 millis", never)))
    expect(error.reason).toBe("Unavailable")
    expect(error.message).toContain("did not answer")
    expect(aborted).toBe(true)
  })

  it("treats chosen statuses as success", async () => {
    const started = engineCall(context, "1 second", () => Promise.reject(httpError(304, "already started")))
    await expect(Effect.runPromise(started.pipe(succeedOnStatus(304)))).resolves.toBeUndefined()
    const missing = await Effect.runPromise(Effect.flip(started.pipe(succeedOnStatus(404))))
    expect(missing.status).toBe(304)
  })
})

import { describe, expect, it } from "vitest"
import { negotiateApiVersion } from "../../../src/engine/negotiateApiVersion.ts"

// Trimmed from what `GET /version` answered on the machines this was written on.
const docker2010 = {
  Version: "20.10.24+dfsg1",
  ApiVersion: "1.41",
  Components: [{ Name: "Engine" }, { Name: "containerd" }, { Name: "runc" }],
  Platform: { Name: "" },
}
const podman43 = {
  Version: "4.3.1",
  ApiVersion: "1.41",
  Components: [{ Name: "Podman Engine", Version: "4.3.1" }, { Name: "Conmon" }],
  Platform: { Name: "linux/amd64/debian-12" },
}

describe("negotiateApiVersion", () => {
  it("recognises Docker and Podman", () => {
    expect(negotiateApiVersion(docker2010)).toEqual({
      kind: "docker",
      version: "20.10.24+dfsg1",
      apiVersion: "1.41",
    })
    expect(negotiateApiVersion(podman43)).toEqual({ kind: "podman", version: "4.3.1", apiVersion: "1.41" })
  })

  it("recognises Podman by its platform name too", () => {
    expect(negotiateApiVersion({ ApiVersion: "1.41", Platform: { Name: "Podman Engine" } })).toMatchObject({
      kind: "podman",
    })
  })

  it("uses the engine's version between 1.41 and the newest fleetd knows", () => {
    expect(negotiateApiVersion({ ...docker2010, ApiVersion: "1.43" })).toMatchObject({ apiVersion: "1.43" })
    expect(negotiateApiVersion({ ...docker2010, ApiVersion: "1.51" })).toMatchObject({ apiVersion: "1.45" })
    expect(negotiateApiVersion({ ...docker2010, ApiVersion: "1.100" })).toMatchObject({ apiVersion: "1.45" })
  })

  it("refuses an engine older than 1.41, saying what it found and what it needs", () => {
    const reason = negotiateApiVersion({ ...docker2010, Version: "19.03.15", ApiVersion: "1.40" })
    expect(reason).toBe(
      "the engine (docker 19.03.15) speaks Engine API 1.40; fleetd needs 1.41 or newer (Docker 20.10+, Podman 4+)",
    )
  })

  it("refuses an answer without an API version", () => {
    expect(negotiateApiVersion({ Version: "x" })).toContain("did not report an Engine API version")
  })
})

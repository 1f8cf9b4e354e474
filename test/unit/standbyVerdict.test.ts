import { describe, expect, it } from "vitest"
import { standbyVerdict } from "../../src/reconciler/standbyVerdict.ts"

describe("a standby's verdict, read back from its log", () => {
  it("takes the reason and the new fleetd's lines from the JSON line it wrote", () => {
    const log = [
      `{"message":"handover: committed; stopping the old fleetd shop-fleetd--prev","level":"INFO","annotations":{"service":"fleetd"}}`,
      `{"message":"handover: the new fleetd failed: shop-fleetd exited (status exited, exit code 1)","level":"ERROR","annotations":{"service":"fleetd","logs":"broken fleetd: refusing to start\\n"}}`,
      `{"message":"handover: rolled back to the old fleetd: shop-fleetd exited","level":"ERROR","annotations":{}}`,
    ].join("\n")
    expect(standbyVerdict(log)).toEqual({
      reason: "shop-fleetd exited (status exited, exit code 1)",
      logs: "broken fleetd: refusing to start\n",
    })
  })

  it("takes the reason from a text line, and says nothing when the log does not", () => {
    expect(
      standbyVerdict("[04:00:00.000] ERROR (#1): handover: the new fleetd failed: not ready within 60s"),
    ).toEqual({
      reason: "not ready within 60s",
    })
    expect(standbyVerdict("fleetd started\n")).toBeUndefined()
    expect(standbyVerdict("")).toBeUndefined()
  })
})

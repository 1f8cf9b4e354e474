import { describe, expect, it } from "vitest"
import { castScalar } from "../../../src/manifest/compose/typeCasts.ts"
import { desired, issues, load } from "./support.ts"

describe("values read at their field's type after interpolation, as Compose does", () => {
  it.each([
    [["services", "web", "read_only"], "true", true],
    [["services", "web", "read_only"], "False", false],
    [["services", "web", "tty"], "yes", true],
    [["services", "web", "pids_limit"], "200", 200],
    [["services", "web", "cpus"], "0.5", 0.5],
    [["services", "web", "ulimits", "nofile"], "1024", 1024],
    [["services", "web", "ulimits", "nofile", "soft"], "512", 512],
    [["services", "web", "ports", 0, "target"], "80", 80],
    [["networks", "back", "internal"], "true", true],
    [["volumes", "data", "external"], "false", false],
  ] as const)("%j: %s", (path, value, expected) => {
    expect(castScalar(path, value)).toBe(expected)
  })

  it.each([
    [["services", "web", "read_only"], "maybe"],
    [["services", "web", "pids_limit"], "lots"],
    [["services", "web", "pids_limit"], "1.5"],
    [["services", "web", "pids_limit"], ""],
    [["services", "web", "image"], "true"],
    [["services", "web", "environment", "DEBUG"], "true"],
    [["services", "web", "command"], "200"],
  ] as const)("leaves %j: %s as a string", (path, value) => {
    expect(castScalar(path, value)).toBe(value)
  })

  it("takes read_only and pids_limit from variables through the whole pipeline", () => {
    const text = [
      "services:",
      "  web:",
      "    image: busybox:1.36",
      "    read_only: ${RO}",
      '    pids_limit: "${PIDS:-100}"',
    ].join("\n")
    const web = desired(load(text, { environment: { RO: "true" } })).services[0]
    expect(web?.spec.readOnly).toBe(true)
    expect(web?.spec.pidsLimit).toBe(100)
  })

  it("reports a value that is not of the field's type at its position", () => {
    const text = ["services:", "  web:", "    image: busybox:1.36", "    read_only: ${RO}"].join("\n")
    expect(issues(load(text, { environment: { RO: "sometimes" } }))).toEqual([
      "fleet.yaml:4:16: services.web.read_only: expected boolean, got string",
    ])
  })
})

import { describe, expect, it } from "vitest"
import { redactInterpolated } from "../../../src/manifest/redactInterpolated.ts"
import { issues, load } from "./support.ts"

/**
 * A value from the host (environment or `.env`) interpolated into a field that fails
 * validation is not quoted back in the error: the error reaches /status, the page,
 * notifications and logs, and the value may be a secret (found by the canary test).
 */
const secret = "cnry-Hunter2-8f3a"

describe("values from the host in manifest errors", () => {
  it("names the variable instead of quoting its value", () => {
    const result = load(
      `services:\n  app:\n    image: "app/\${TOKEN}:v1"\n    restart: "\${TOKEN}"\n    ports: ["\${TOKEN}"]\n`,
      { environment: { TOKEN: secret } },
    )
    expect(issues(result)).toEqual([
      `fleet.yaml:3:12: services.app.image: "app/\${TOKEN}:v1" is not a valid image reference (expected name[:tag][@digest], lowercase)`,
      `fleet.yaml:4:14: services.app.restart: "\${TOKEN}" is not a restart policy (no, always, on-failure[:N], unless-stopped)`,
      `fleet.yaml:5:13: services.app.ports[0]: container port "\${TOKEN}" is not a port number or range`,
    ])
  })

  it("hides a value from .env the same way, and in later checks too", () => {
    const result = load(`services:\n  app:\n    image: app:v1\n    mem_limit: "\${LIMIT}"\n`, {
      dotEnv: `LIMIT=${secret}\n`,
    })
    expect(issues(result).join("\n")).not.toContain(secret)
    expect(issues(result).join("\n")).toContain(`\${LIMIT}`)
  })

  it("leaves short values alone, so fleetd's own words stay readable", () => {
    const redactor = redactInterpolated((name) => ({ MODE: "always", V: "2", KEY: secret })[name])
    for (const name of ["MODE", "V", "KEY"]) redactor.lookup(name)
    expect(redactor.redact(`restart "always" on port 2 with ${secret}${secret}`)).toBe(
      `restart "\${MODE}" on port 2 with \${KEY}\${KEY}`,
    )
  })
})

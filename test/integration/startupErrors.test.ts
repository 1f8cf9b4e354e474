import { mkdtempSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { describeStartError } from "../../src/cli/describeStartError.ts"
import { type Daemon, eventually, startDaemon, stopDaemon } from "../support/daemon.ts"
import { freePort } from "../support/freePort.ts"
import { runFleetd } from "../support/runFleetd.ts"

let taken: Server | undefined
let daemon: Daemon | undefined
afterEach(async () => {
  await stopDaemon(daemon)
  daemon = undefined
  await new Promise<void>((resolve) => (taken === undefined ? resolve() : taken.close(() => resolve())))
  taken = undefined
})

describe("fleetd run start-up errors", () => {
  it("says the address is in use, where, and what to do, and exits 1", async () => {
    const port = await freePort()
    taken = createServer()
    await new Promise<void>((resolve) => taken?.listen(port, "127.0.0.1", resolve))
    const dir = mkdtempSync(join(tmpdir(), "fleetd-startup-"))
    writeFileSync(join(dir, "fleet.yaml"), "services: {}\n")
    const result = await runFleetd(
      ["run", "--dir", dir, "--listen", `127.0.0.1:${port}`, "--data-dir", join(dir, "data")],
      // No engine is contacted before the listener fails.
      { dockerHost: "unix:///nonexistent/docker.sock" },
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      `fleetd run: cannot listen on 127.0.0.1:${port}: the address is in use (another fleetd, or another program? stop it, or set --listen HOST:PORT to a free port)`,
    )
    expect(result.stderr).not.toContain("ServeError")
  })
})

describe("fleetd run with a repository it cannot reach at start-up", () => {
  it("keeps running, and /ready names the URL, git's words and what to check", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fleetd-startup-"))
    const repo = `file://${dir}/no-such-repo.git`
    const port = await freePort()
    const d = startDaemon(["--repo", repo, "--data-dir", join(dir, "data")], {
      dockerHost: "unix:///nonexistent/docker.sock",
      port,
    })
    daemon = d
    const ready = await eventually("/ready with the source's failure", async () => {
      const response = await fetch(`${d.base}/ready`).catch(() => undefined)
      const body = (await response?.json()) as { reasons: ReadonlyArray<string> } | undefined
      return body?.reasons.some((r) => r.startsWith("the last pass failed")) ? { response, body } : undefined
    })
    expect(ready.response?.status).toBe(503)
    expect(ready.body.reasons).toEqual([
      "no pass has completed yet",
      `the last pass failed: fetching branch main of ${repo} failed: fatal: '${dir}/no-such-repo.git' does not appear to be a git repository (check the URL (--repo) and that the remote is reachable from this host; fleetd keeps retrying with backoff)`,
    ])
    expect(d.process.exitCode).toBe(null)
  })
})

describe("describeStartError", () => {
  const serveError = (code: string) => ({
    _tag: "ServeError",
    cause: Object.assign(new Error(code), { code }),
  })
  const listen = { host: "0.0.0.0", port: 80 }

  it("explains a port that needs privileges and an address this host does not have", () => {
    expect(describeStartError(serveError("EACCES"), listen)).toBe(
      "cannot listen on 0.0.0.0:80: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE; set --listen HOST:PORT with a port from 1024 up)",
    )
    expect(describeStartError(serveError("EADDRNOTAVAIL"), { host: "10.9.9.9", port: 8080 })).toMatch(
      /^cannot listen on 10\.9\.9\.9:8080: no network interface of this host has that address \(set --listen/,
    )
    expect(describeStartError(serveError("EADDRINUSE"), { host: "::1", port: 8080 })).toMatch(
      /^cannot listen on \[::1\]:8080: the address is in use/,
    )
  })

  it("names any other listener error, and any other failure, by its message", () => {
    expect(describeStartError(serveError("EWHATEVER"), listen)).toBe(
      "cannot listen on 0.0.0.0:80: EWHATEVER (set --listen HOST:PORT)",
    )
    expect(describeStartError(new Error("boom"), listen)).toBe("cannot start: boom")
    expect(describeStartError({ _tag: "SomethingElse" }, listen)).toBe("cannot start: SomethingElse")
  })
})

describe("fleetd run listening beyond loopback without FLEETD_UI_TOKEN", () => {
  it("answers the page 403 saying to set FLEETD_UI_TOKEN, and keeps /health and /status open", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fleetd-startup-"))
    writeFileSync(join(dir, "fleet.yaml"), "services: {}\n")
    const port = await freePort()
    // Bound to every address, but the test talks to it on loopback only.
    const d = startDaemon(["--dir", dir, "--data-dir", join(dir, "data")], {
      dockerHost: "unix:///nonexistent/docker.sock",
      port,
      listenHost: "0.0.0.0",
    })
    daemon = d
    await eventually("the listener", async () =>
      (await fetch(`${d.base}/health`).catch(() => undefined))?.ok ? true : undefined,
    )
    for (const path of ["/", "/passes", "/events"]) {
      const page = await fetch(`${d.base}${path}`)
      expect(page.status, path).toBe(403)
      expect(await page.text(), path).toMatch(/set FLEETD_UI_TOKEN/i)
    }
    expect((await fetch(`${d.base}/status`)).status).toBe(200)
  })
})

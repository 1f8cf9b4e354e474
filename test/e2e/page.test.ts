import { mkdirSync } from "node:fs"
import { Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { FleetStatus } from "../../src/domain/FleetStatus.ts"
import { type Browser, launchChromium, type BrowserPage as Page } from "../support/browser.ts"
import { type Daemon, eventually, startDaemon, stopDaemon } from "../support/daemon.ts"
import { freePort } from "../support/freePort.ts"
import { type GitRemote, makeGitRemote } from "../support/gitRemote.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, testEngines, uniqueFleet } from "../support/testEngines.ts"

/**
 * The status page in a real browser (Debian's chromium driven by playwright-core; no
 * browser download), against a daemon on a real git repository and engine. The first
 * engine only: the page renders /status, which the other suites check on both.
 * FLEETD_PAGE_SCREENSHOTS=DIR writes the README's screenshots there (docs/images).
 */
const TOKEN = "page-ui-token-3f1a9c"
const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`
const exitsAtOnce = `["sh", "-c", "echo starting; echo 'fatal: no config' >&2; exit 3"]`

const manifest = (fleet: string, webCommand: string, extra = "") =>
  [
    `name: ${fleet}`,
    "services:",
    "  app:",
    "    image: fleetd-test/app:v1",
    `    command: ${idle}`,
    "    stop_grace_period: 1s",
    "  web:",
    "    image: fleetd-test/app:v1",
    `    command: ${webCommand}`,
    "    stop_grace_period: 1s",
    "    x-fleetd:",
    "      update:",
    "        min_ready: 1s",
    "        health_timeout: 20s",
    ...(extra === "" ? [] : [extra]),
  ].join("\n")

const [engine] = testEngines()

describe.runIf(engine !== undefined)(`the status page on ${engine?.kind}`, () => {
  let fleet = ""
  let scope: Scope.Closeable
  let remote: GitRemote
  let daemon: Daemon | undefined
  let browser: Browser | undefined
  const problems: Array<string> = []

  const status = async (d: Daemon) =>
    (await (
      await fetch(`${d.base}/status`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json()) as FleetStatus
  const watch = (page: Page) => {
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console: ${m.text()}`)
    })
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`))
  }
  const text = async (page: Page, selector: string) => (await page.locator(selector).textContent()) ?? ""
  const screenshot = async (page: Page, name: string) => {
    const dir = process.env["FLEETD_PAGE_SCREENSHOTS"]
    if (dir === undefined || dir === "") return
    mkdirSync(dir, { recursive: true })
    await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true })
  }

  beforeAll(async () => {
    if (engine === undefined) return
    fleet = uniqueFleet("page")
    scope = Effect.runSync(Scope.make())
    remote = await Effect.runPromise(makeGitRemote().pipe(Scope.provide(scope)))
    remote.commit({ "fleet.yaml": manifest(fleet, idle) }, "Run app and web")
    remote.push()
    const port = await freePort()
    daemon = startDaemon(["--repo", remote.url, "--interval", "1h", "--data-dir", `${remote.work}/../data`], {
      dockerHost: engine.host,
      port,
      env: { FLEETD_UI_TOKEN: TOKEN },
    })
    const d = daemon
    await eventually("the first pass", async () =>
      (await status(d)).lastPass?.result === "success" ? true : undefined,
    )
    browser = await launchChromium()
  })
  afterAll(async () => {
    // The browser first: its event streams would otherwise see the daemon go away.
    await browser?.close()
    const logs = await stopDaemon(daemon)
    if (engine !== undefined) await cleanupFleet(engine, fleet)
    await Effect.runPromise(Scope.close(scope, Exit.void))
    expect(logs).not.toContain(TOKEN)
  })

  it("answers 401 without the token, then shows every service live after login: a rollback with its log tail, a stall with file:line:col", async () => {
    const d = daemon
    if (d === undefined || browser === undefined) throw new Error("no daemon or browser")
    // Without the token: the page answers 401 with the login form; /status and /events 401.
    const anonymous = await fetch(`${d.base}/`)
    expect(anonymous.status).toBe(401)
    expect(await anonymous.text()).toContain('action="/login"')
    expect((await fetch(`${d.base}/status`)).status).toBe(401)
    expect((await fetch(`${d.base}/events`)).status).toBe(401)
    const tried = Date.now()
    const wrong = await fetch(`${d.base}/login`, {
      method: "POST",
      body: new URLSearchParams({ token: "not-it", next: "/" }),
      redirect: "manual",
    })
    expect(wrong.status).toBe(401)
    expect(Date.now() - tried).toBeGreaterThanOrEqual(900)
    expect(wrong.headers.get("set-cookie")).toBeNull()

    // The CLI sends FLEETD_UI_TOKEN when it is set; without it, it says why it was refused.
    const withToken = await runFleetd(["history", "--url", d.base, "--json"], {
      dockerHost: "unix:///nowhere",
      env: { FLEETD_UI_TOKEN: TOKEN },
    })
    expect(withToken.code).toBe(0)
    const without = await runFleetd(["history", "--url", d.base], { dockerHost: "unix:///nowhere" })
    expect(without.code).toBe(1)
    expect(without.stderr).toContain("log in at /login, or send Authorization: Bearer <FLEETD_UI_TOKEN>")
    expect(without.stderr + withToken.stderr + withToken.stdout).not.toContain(TOKEN)

    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } })
    const overview = await context.newPage()
    watch(overview)
    const first = await overview.goto(`${d.base}/`)
    expect(first?.status()).toBe(401)
    // The browser reports the 401 itself as a console error: that one is expected.
    problems.length = 0
    await overview.fill("#token", TOKEN)
    await Promise.all([overview.waitForURL(`${d.base}/`), overview.click("button[type=submit]")])
    const cookie = (await context.cookies()).find((c) => c.name === "fleetd_ui")
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict" })
    expect(cookie?.value).not.toContain(TOKEN)

    // The overview lists every service, and its links lead to each service's page.
    const rows = overview.locator("tbody tr th a")
    await expect.poll(() => rows.allTextContents()).toEqual(["app", "web"])
    await expect.poll(() => text(overview, "#live")).toBe("live")
    const service = await context.newPage()
    watch(service)
    await service.goto(`${d.base}/services/default/${fleet}/web`)
    await expect.poll(() => text(service, "#live")).toBe("live")
    // A mark that a reload would wipe.
    await overview.evaluate("window.notReloaded = true")
    await service.evaluate("window.notReloaded = true")

    // A broken push, applied by the page's own "Sync now": rolled back, shown without a reload.
    remote.commit({ "fleet.yaml": manifest(fleet, exitsAtOnce) }, "web: a release that exits at once")
    remote.push()
    await overview.click("#sync-0")
    await expect.poll(() => text(overview, "#notice")).toMatch(/Pass \d+ of default requested/)
    await eventually(
      "web rolled back on /status",
      async () =>
        (await status(d)).services.find((s) => s.name === "web")?.sync === "RolledBack" ? true : undefined,
      60_000,
    )
    const shown = Date.now()
    await expect.poll(() => text(overview, "tbody"), { timeout: 2000, interval: 50 }).toContain("RolledBack")
    await expect
      .poll(() => text(service, "main"), { timeout: 2000, interval: 50 })
      .toContain("fatal: no config")
    expect(Date.now() - shown).toBeLessThan(2000)
    expect(await overview.evaluate("window.notReloaded")).toBe(true)
    expect(await service.evaluate("window.notReloaded")).toBe(true)
    expect(await text(service, "main")).toContain("RolledBack")
    expect(await text(service, "pre.log")).toContain("fatal: no config")
    await screenshot(service, "page-service")

    // An invalid commit stalls: its file:line:col issue appears on the open overview.
    remote.commit(
      { "fleet.yaml": `${manifest(fleet, idle)}\n    no_such_field: true\n` },
      "web: a field fleetd does not know",
    )
    remote.push()
    await overview.click("#sync-0")
    await expect
      .poll(() => text(overview, "main"), { timeout: 20_000 })
      .toMatch(/fleet\.yaml:\d+:\d+: services\.web\.no_such_field/)
    expect(await overview.evaluate("window.notReloaded")).toBe(true)
    // The revisions with their commits' subjects and authors, read from the checkout.
    await expect.poll(() => text(overview, "main")).toContain("web: a field fleetd does not know")
    expect(await text(overview, "main")).toContain("by fleetd test")
    await screenshot(overview, "page-overview")

    // The passes page lists what the passes did.
    await overview.goto(`${d.base}/passes`)
    expect(await text(overview, "main")).toContain("rolled-back")
    await context.close()
    expect(problems).toEqual([])
  })
})

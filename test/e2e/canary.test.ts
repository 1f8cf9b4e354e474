import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { generateX25519Identity, identityToRecipient } from "age-encryption"
import { Effect, Exit, Scope } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { type Finding, findCanaries, makeCanary } from "../support/canaryScan.ts"
import { type Daemon, eventually, startDaemon, stopDaemon } from "../support/daemon.ts"
import { execIn } from "../support/execIn.ts"
import { freePort } from "../support/freePort.ts"
import { makeGitRemote, tempDir } from "../support/gitRemote.ts"
import { type Received, startReceiver } from "../support/notifyReceiver.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { writeSopsDotenv } from "../support/sopsWriter.ts"
import { cleanupFleet, rawClient, testEngines, uniqueFleet } from "../support/testEngines.ts"
import { startTokenRegistry } from "../support/tokenRegistry.ts"
import { authHeaders, pushEvent } from "../support/webhookFixtures.ts"

/**
 * The canary test of issue 13 ("secrets never leak"): distinct random values planted in
 * every place a secret reaches fleetd (a SOPS env file, a SOPS secret file, a host
 * secret file, host environment variables, registry credentials and the token a registry
 * hands out, the webhook secret, the API and page tokens, notification URL tokens, the
 * age key itself) must reach the container where they are meant to, and nowhere else:
 * not in anything fleetd prints, serves, sends or writes, in any trivial encoding.
 * Passes that succeed, fail (a rolled-back update, an unreachable tracked image), stall
 * (a tampered SOPS file) and recover are all driven, by sync, webhook and CLI.
 */
const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`
const exitsAtOnce = `["sh", "-c", "echo 'fatal: no config' >&2; exit 3"]`

const canaries = {
  sopsEnv: makeCanary("sopsenv"),
  sopsSecret: makeCanary("sopssecret"),
  hostFile: makeCanary("hostfile"),
  hostEnv: makeCanary("hostenv"),
  hostSecretEnv: makeCanary("hostsecretenv"),
  registryPassword: makeCanary("regpass"),
  registryToken: makeCanary("regtoken"),
  webhookSecret: makeCanary("webhook"),
  apiToken: makeCanary("api"),
  uiToken: makeCanary("ui"),
  ntfyToken: makeCanary("ntfy"),
  gotifyToken: makeCanary("gotify"),
  jsonSecret: makeCanary("json"),
}

const manifest = (
  fleet: string,
  version: string,
  options: { broken?: boolean; registry?: string; invalid?: boolean } = {},
) => `name: ${fleet}
services:
  app:
    image: fleetd-test/app:v1
    command: ${idle}
    stop_grace_period: 2s
    env_file: app.env
    environment:
      FROM_HOST: "\${CANARY_HOST_ENV}"
      VERSION: "${version}"
    secrets: [sops_secret, host_file, host_env]
  worker:
    image: fleetd-test/app:v1
    command: ${options.broken ? exitsAtOnce : idle}
    stop_grace_period: 2s
${options.invalid ? `    restart: "\${CANARY_HOST_ENV}"\n` : ""}    environment:
      VERSION: "${version}"
    x-fleetd:
      update:
        min_ready: 1s
${
  options.registry === undefined
    ? ""
    : `  tracked:
    image: ${options.registry}/canary/app:v1
    command: ${idle}
    x-fleetd:
      track: digest
`
}secrets:
  sops_secret:
    file: ./db.enc.env
  host_file:
    file: ./local/host.txt
  host_env:
    environment: CANARY_SECRET_ENV
`

/** Every file under `dir`, by path, as text (binary bytes read as latin1 so any encoding of a canary shows). */
const filesUnder = (dir: string): ReadonlyArray<readonly [string, string]> =>
  readdirSync(dir, { recursive: true, encoding: "utf8" }).flatMap((relative) => {
    const path = join(dir, relative)
    const stat = statSync(path, { throwIfNoEntry: false })
    return stat?.isFile() ? [[path, readFileSync(path).toString("latin1")] as const] : []
  })

const engine = testEngines().find((e) => e.kind === "docker") ?? testEngines()[0]!

describe(`the canary scan on ${engine.kind}`, () => {
  const cleanups: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
  })

  it("no planted secret appears in anything fleetd emits, though each reaches its container", async () => {
    const docker = rawClient(engine)
    const fleet = uniqueFleet("canary")
    cleanups.push(() => cleanupFleet(engine, fleet))
    const scope = Effect.runSync(Scope.make())
    cleanups.push(() => Effect.runPromise(Scope.close(scope, Exit.void)))
    const remote = await Effect.runPromise(makeGitRemote().pipe(Scope.provide(scope)))
    const host = await Effect.runPromise(tempDir("canary-host").pipe(Scope.provide(scope)))

    // The host's side: the age key, a secret file git does not hold, the data directory.
    const identity = await generateX25519Identity()
    const recipient = await identityToRecipient(identity)
    const keyFile = join(host, "age.key")
    writeFileSync(keyFile, `# public key: ${recipient}\n${identity}\n`, { mode: 0o600 })
    const localFiles = join(host, "local-files")
    mkdirSync(join(localFiles, "local"), { recursive: true })
    writeFileSync(join(localFiles, "local", "host.txt"), `${canaries.hostFile}\n`)
    const dataDir = join(host, "data")
    const secrets = { ...canaries, ageKey: identity }

    const receiver = await startReceiver()
    cleanups.push(() => receiver.close())
    const registry = await startTokenRegistry(
      "canary-user",
      canaries.registryPassword,
      canaries.registryToken,
    )
    cleanups.push(() => registry.close())

    const env = {
      // The CLI shares the daemon's data directory, and so its key for secret hashes.
      FLEETD_DATA_DIR: dataDir,
      FLEETD_AGE_KEY_FILE: keyFile,
      FLEETD_LOCAL_FILES: localFiles,
      CANARY_HOST_ENV: canaries.hostEnv,
      CANARY_SECRET_ENV: canaries.hostSecretEnv,
      FLEETD_REGISTRY_HOST: registry.host,
      FLEETD_REGISTRY_USERNAME: "canary-user",
      FLEETD_REGISTRY_PASSWORD: canaries.registryPassword,
      FLEETD_WEBHOOK_SECRET: canaries.webhookSecret,
      FLEETD_API_TOKEN: canaries.apiToken,
      FLEETD_UI_TOKEN: canaries.uiToken,
      FLEETD_NOTIFY_URLS: [
        `ntfy://127.0.0.1:${receiver.port}/canary-topic?token=${canaries.ntfyToken}`,
        `gotify://127.0.0.1:${receiver.port}/${canaries.gotifyToken}`,
        `json://127.0.0.1:${receiver.port}/hook?secret=${canaries.jsonSecret}`,
      ].join(","),
    }

    // Everything fleetd emits, by surface; scanned at the end, each one also non-empty.
    const surfaces: Array<readonly [string, string]> = []
    const record = (surface: string, text: string) => {
      expect(text.length, `${surface} is empty: the scan would prove nothing`).toBeGreaterThan(0)
      surfaces.push([surface, text])
    }
    const cli = async (name: string, args: ReadonlyArray<string>, expectCode?: number) => {
      const result = await runFleetd(args, { dockerHost: engine.host, cwd: remote.work, env })
      record(`fleetd ${name}`, result.stdout + result.stderr)
      if (expectCode !== undefined) expect(result.code, result.stdout + result.stderr).toBe(expectCode)
      return result
    }

    const sopsFiles = async () => ({
      "app.env": await writeSopsDotenv([["SOPS_ENV_VALUE", canaries.sopsEnv]], recipient),
      "db.enc.env": await writeSopsDotenv([["TOKEN", canaries.sopsSecret]], recipient),
    })
    const good = await sopsFiles()
    remote.commit({ "fleet.yaml": manifest(fleet, "1"), ...good })
    remote.push()

    // The CLI first: validate, plan (text and --json), apply --json.
    await cli("validate", ["validate"], 0)
    await cli("plan", ["plan"], 0)
    await cli("plan --json", ["plan", "--json"], 0)
    await cli("apply --json", ["apply", "--json"], 0)

    // Positive controls: each value reaches the container where it is meant to.
    const app = await docker.getContainer(`${fleet}-app`).inspect()
    expect(app.Config.Env).toEqual(
      expect.arrayContaining([`SOPS_ENV_VALUE=${canaries.sopsEnv}`, `FROM_HOST=${canaries.hostEnv}`]),
    )
    expect(await execIn(docker, `${fleet}-app`, ["cat", "/run/secrets/sops_secret"])).toContain(
      `TOKEN=${canaries.sopsSecret}`,
    )
    expect(await execIn(docker, `${fleet}-app`, ["cat", "/run/secrets/host_file"])).toContain(
      canaries.hostFile,
    )
    expect(await execIn(docker, `${fleet}-app`, ["cat", "/run/secrets/host_env"])).toContain(
      canaries.hostSecretEnv,
    )

    // The daemon, at debug level, on the same revision: it must find nothing to change.
    const port = await freePort()
    const start = (format: "json" | "pretty") =>
      startDaemon(
        [
          "--repo",
          remote.url,
          "--interval",
          "1h",
          "--data-dir",
          dataDir,
          "--log-level",
          "debug",
          ...(format === "pretty" ? ["--log-format", "pretty"] : []),
        ],
        { dockerHost: engine.host, port, env },
      )
    let daemon: Daemon = start("json")
    cleanups.push(() => stopDaemon(daemon))
    const authorized = { authorization: `Bearer ${canaries.uiToken}` }
    const status = async () =>
      (await (await fetch(`${daemon.base}/status`, { headers: authorized })).json()) as {
        lastPass?: { result: string; revision?: string }
      }
    const sync = async () => {
      const response = await fetch(`${daemon.base}/sync?wait=true`, {
        method: "POST",
        headers: { authorization: `Bearer ${canaries.apiToken}` },
      })
      const text = await response.text()
      record("POST /sync", text)
      expect(response.status, text).toBe(200)
      return JSON.parse(text) as { pass: { result: string } }
    }
    await eventually(
      "the first pass",
      async () => ((await status()).lastPass?.result === "success" ? true : undefined),
      60_000,
    )
    expect((await docker.getContainer(`${fleet}-app`).inspect()).Id).toBe(app.Id)

    // A new revision announced by a webhook signed with the secret.
    const second = remote.commit({ "fleet.yaml": manifest(fleet, "2") })
    remote.push()
    const event = pushEvent("github", "refs/heads/main")
    const hook = await fetch(`${daemon.base}/hooks/github`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...event.headers,
        ...authHeaders("github", event.body, canaries.webhookSecret),
      },
      body: event.body,
    })
    record("POST /hooks/github", await hook.text())
    expect(hook.status).toBeLessThan(300)
    await eventually(
      "the webhook's pass",
      async () => {
        const s = await status()
        return s.lastPass?.revision === second && s.lastPass?.result === "success" ? true : undefined
      },
      60_000,
    )

    // Failing passes: an update whose container exits (rolled back) and a tracked image
    // whose registry takes the credentials but does not have it.
    remote.commit({ "fleet.yaml": manifest(fleet, "3", { broken: true, registry: registry.host }) })
    remote.push()
    expect((await sync()).pass.result).not.toBe("success")
    expect(registry.authorizations).toEqual(
      expect.arrayContaining([
        `Basic ${Buffer.from(`canary-user:${canaries.registryPassword}`).toString("base64")}`,
        `Bearer ${canaries.registryToken}`,
      ]),
    )

    // A stall: a SOPS file tampered with (a value moved to another key), and a host
    // variable interpolated where it is not valid (its error must not quote it).
    const tampered = good["app.env"].replace("SOPS_ENV_VALUE=", "MOVED=")
    remote.commit({ "fleet.yaml": manifest(fleet, "4", { invalid: true }), "app.env": tampered })
    remote.push()
    await sync()
    await eventually("the stall", async () =>
      ((await status()) as { stalled?: unknown }).stalled !== undefined ? true : undefined,
    )
    await cli("validate (tampered)", ["validate"], 1)
    await cli("plan --json (tampered)", ["plan", "--json"], 1)

    // Recovery, re-encrypted with new data keys: notifications for all of it.
    remote.commit({ "fleet.yaml": manifest(fleet, "5"), ...(await sopsFiles()) })
    remote.push()
    expect((await sync()).pass.result).toBe("success")
    expect((await docker.getContainer(`${fleet}-app`).inspect()).Config.Env).toContain("VERSION=5")
    await eventually(
      "notifications to every target",
      async () => {
        const paths = new Set(receiver.received.map((r) => r.path))
        return paths.has("/") && paths.has("/message") && paths.has("/hook") ? true : undefined
      },
      30_000,
    )

    // The CLI against the daemon.
    await cli("status --json", ["status", "--json", "--url", daemon.base], 0)
    await cli("status", ["status", "--url", daemon.base], 0)
    await cli("history --json", ["history", "--json", "--url", daemon.base], 0)
    await cli("history", ["history", "--url", daemon.base], 0)
    await cli("sync --wait --json", ["sync", "--wait", "--json", "--url", daemon.base], 0)

    // What it serves: the API, the page and every service page (logged in), a sample of /events.
    for (const path of ["/status", "/status/history", "/metrics", "/health", "/ready", "/", "/passes"])
      record(`GET ${path}`, await (await fetch(`${daemon.base}${path}`, { headers: authorized })).text())
    const overview = await (await fetch(`${daemon.base}/`, { headers: authorized })).text()
    const servicePages = [...overview.matchAll(/href="(\/services\/[^"]+)"/g)].map((m) => m[1]!)
    expect(servicePages.length).toBeGreaterThanOrEqual(2)
    for (const path of new Set(servicePages))
      record(`GET ${path}`, await (await fetch(`${daemon.base}${path}`, { headers: authorized })).text())
    const login = await fetch(`${daemon.base}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `token=${canaries.uiToken}&next=/`,
    })
    expect(login.status).toBe(303)
    record("POST /login headers", JSON.stringify([...login.headers.entries()]))
    const events = new AbortController()
    const stream = await fetch(`${daemon.base}/events`, { headers: authorized, signal: events.signal })
    const reader = stream.body!.getReader()
    const chunk = await reader.read()
    events.abort()
    record("GET /events", new TextDecoder().decode(chunk.value))

    // The same daemon restarted with readable logs: one more pass.
    record("daemon log (json)", await stopDaemon(daemon))
    daemon = start("pretty")
    await eventually(
      "the restarted daemon's first pass",
      async () => ((await status()).lastPass?.result === "success" ? true : undefined),
      60_000,
    )
    expect((await sync()).pass.result).toBe("success")
    record("daemon log (pretty)", await stopDaemon(daemon))

    // What it sent: each notification's body and headers, its own credential aside (the
    // receiver is that target: its token is meant for it, and is checked to have arrived).
    const own = (r: Received) =>
      r.path === "/" ? "authorization" : r.path === "/message" ? "x-gotify-key" : "x-fleetd-signature"
    for (const r of receiver.received) {
      const { [own(r)]: credential, ...headers } = r.headers
      if (r.path === "/") expect(credential).toBe(`Bearer ${canaries.ntfyToken}`)
      if (r.path === "/message") expect(credential).toBe(canaries.gotifyToken)
      record(`notification ${r.method} ${r.path}`, `${JSON.stringify(headers)}\n${r.body}`)
    }

    // What it wrote: every file of its data directory (history journal, notices, checkout).
    const written = filesUnder(dataDir)
    expect(written.map(([path]) => path).join("\n")).toMatch(/notices\.json/)
    for (const [path, text] of written) if (text.length > 0) record(`file ${path}`, text)

    // And the labels it put on containers (their environment holds values by design).
    for (const name of ["app", "worker"])
      record(
        `labels of ${name}`,
        JSON.stringify((await docker.getContainer(`${fleet}-${name}`).inspect()).Config.Labels),
      )

    const findings: Array<Finding> = surfaces.flatMap(([surface, text]) =>
      findCanaries(surface, text, secrets),
    )
    if (process.env["CANARY_DUMP"])
      writeFileSync(process.env["CANARY_DUMP"], JSON.stringify({ secrets, surfaces }))
    expect(findings).toEqual([])
  }, 240_000)
})

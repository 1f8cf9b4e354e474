import { type ChildProcess, spawn } from "node:child_process"
import type { FleetStatus } from "../../src/domain/FleetStatus.ts"
import type { ForgeProvider as WebhookProvider } from "../../src/domain/webhookProviders.ts"
import { fleetdBin } from "./runFleetd.ts"
import { authHeaders, pushEvent, SECRET } from "./webhookFixtures.ts"

/** A `fleetd run` child process and what it printed, for end-to-end tests. */
export interface Daemon {
  readonly process: ChildProcess
  readonly base: string
  readonly logs: () => string
  readonly exited: Promise<number | null>
  readonly status: () => Promise<FleetStatus>
  readonly metric: (name: string) => Promise<number>
  readonly webhook: (provider: WebhookProvider, ref?: string) => Promise<number>
  /** SIGTERM, then the exit code. */
  readonly stop: () => Promise<number | null>
}

export const startDaemon = (
  args: ReadonlyArray<string>,
  options: {
    readonly dockerHost: string
    readonly port: number
    readonly env?: Record<string, string>
    /** The address to listen on (default 127.0.0.1); the test still connects to 127.0.0.1. */
    readonly listenHost?: string
    /** Node's arguments before `run` (flags and script); this checkout's bin/fleetd.js when absent. */
    readonly launch?: ReadonlyArray<string>
  },
): Daemon => {
  const child = spawn(
    process.execPath,
    [
      ...(options.launch ?? [fleetdBin]),
      "run",
      "--listen",
      `${options.listenHost ?? "127.0.0.1"}:${options.port}`,
      "--log-format",
      "json",
      ...args,
    ],
    {
      env: { ...process.env, DOCKER_HOST: options.dockerHost, FLEETD_WEBHOOK_SECRET: SECRET, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  )
  let logs = ""
  child.stdout?.on("data", (d: Buffer) => {
    logs += d.toString()
  })
  child.stderr?.on("data", (d: Buffer) => {
    logs += d.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const base = `http://127.0.0.1:${options.port}`
  const status = async () => (await (await fetch(`${base}/status`)).json()) as FleetStatus
  /** Sum of every sample of a metric (all label sets). */
  const metric = async (name: string) => {
    const text = await (await fetch(`${base}/metrics`)).text()
    return text
      .split("\n")
      .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0)
  }
  const webhook = async (provider: WebhookProvider, ref = "refs/heads/main") => {
    const event = pushEvent(provider, ref)
    const response = await fetch(`${base}/hooks/${provider}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...event.headers, ...authHeaders(provider, event.body) },
      body: event.body,
    })
    return response.status
  }
  return {
    process: child,
    base,
    logs: () => logs,
    exited,
    status,
    metric,
    webhook,
    stop: async () => {
      child.kill("SIGTERM")
      return exited
    },
  }
}

/** Stops `daemon` if it still runs; gives everything it printed (for "no secret was logged"). */
export const stopDaemon = async (daemon: Daemon | undefined): Promise<string> => {
  if (daemon && daemon.process.exitCode === null) await daemon.stop()
  return daemon?.logs() ?? ""
}

/** Polls `check` until it returns a value that is not undefined, or throws after `timeoutMs`. */
export const eventually = async <A>(
  what: string,
  check: () => Promise<A | undefined>,
  timeoutMs = 20_000,
): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

import { type ChildProcess, spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

export const fleetdBin = fileURLToPath(new URL("../../bin/fleetd.js", import.meta.url))

export interface FleetdResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the real `fleetd` CLI as a user would, against one engine. */
export const runFleetd = (
  args: ReadonlyArray<string>,
  options: { readonly dockerHost: string; readonly cwd?: string; readonly env?: Record<string, string> },
): Promise<FleetdResult> => {
  const child = startFleetd(args, options)
  let stdout = ""
  let stderr = ""
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString()
  })
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString()
  })
  return new Promise((resolve, reject) => {
    child.once("error", reject)
    child.once("close", (code) => resolve({ code, stdout, stderr }))
  })
}

/** Starts the CLI and returns the process, for tests that kill it mid-way. */
export const startFleetd = (
  args: ReadonlyArray<string>,
  options: { readonly dockerHost: string; readonly cwd?: string; readonly env?: Record<string, string> },
): ChildProcess =>
  spawn(process.execPath, [fleetdBin, ...args], {
    cwd: options.cwd,
    env: { ...process.env, DOCKER_HOST: options.dockerHost, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  })

/** Writes `text` to `file`, runs `fleetd apply --json` on it (with `flags`), and returns the exit code with the change set. */
export const applyJson = async <Service>(
  file: string,
  text: string,
  dockerHost: string,
  flags: ReadonlyArray<string> = [],
): Promise<{ readonly code: number; readonly services: ReadonlyArray<Service> }> => {
  writeFileSync(file, text)
  const result = await runFleetd(["apply", "--json", "-f", file, ...flags], { dockerHost })
  return { code: result.code ?? -1, ...(JSON.parse(result.stdout) as { services: ReadonlyArray<Service> }) }
}

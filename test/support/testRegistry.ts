import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type Docker from "dockerode"
import { freePort } from "./freePort.ts"
import type { TestEngine } from "./testEngines.ts"

/** A Debian `docker-registry` (distribution 2.x) on a free loopback port, storage of its own. */
export interface TestRegistry {
  /** `127.0.0.1:PORT`: the registry part of image references. */
  readonly host: string
  readonly stop: () => Promise<void>
  /** Starts it again on the same port and storage (after `stop`). */
  readonly start: () => Promise<void>
  /** Stops it and removes its storage: the test's finalizer. */
  readonly remove: () => Promise<void>
}

const answers = async (host: string) => {
  try {
    return (await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(500) })).status === 200
  } catch {
    return false
  }
}

/**
 * `notify`: the registry posts its notifications there (`notifications.endpoints`), with
 * `Authorization: Bearer <token>`, retrying each second while the listener is down.
 */
export const startRegistry = async (
  options: { readonly notify?: { readonly url: string; readonly token: string } } = {},
): Promise<TestRegistry> => {
  const dir = mkdtempSync(join(tmpdir(), "fleetd-registry-"))
  const host = `127.0.0.1:${await freePort()}`
  const config = join(dir, "config.yml")
  const notify = options.notify
  writeFileSync(
    config,
    [
      "version: 0.1",
      "log:",
      "  level: error",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${join(dir, "storage")}`,
      "http:",
      `  addr: ${host}`,
      ...(notify === undefined
        ? []
        : [
            "notifications:",
            "  endpoints:",
            "    - name: fleetd",
            `      url: ${notify.url}`,
            "      headers:",
            `        Authorization: [Bearer ${notify.token}]`,
            "      timeout: 1s",
            "      threshold: 3",
            "      backoff: 1s",
          ]),
      "",
    ].join("\n"),
  )
  let child: ChildProcess | undefined
  const start = async () => {
    const started = spawn("docker-registry", ["serve", config], { stdio: "ignore" })
    child = started
    const deadline = Date.now() + 15_000
    while (!(await answers(host))) {
      if (started.exitCode !== null) throw new Error(`docker-registry exited with ${started.exitCode}`)
      if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${host}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  const stop = async () => {
    const running = child
    child = undefined
    if (running === undefined || running.exitCode !== null) return
    const exited = new Promise((r) => running.once("exit", r))
    running.kill("SIGTERM")
    await exited
  }
  await start()
  return {
    host,
    start,
    stop,
    remove: async () => {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Tags `source` as `target` and pushes it with the engine's own push API. Podman is
 * told the loopback registry is plain HTTP per request (`tlsVerify=false`); Docker
 * trusts 127.0.0.0/8 registries without being told.
 */
export const pushImage = async (engine: TestEngine, docker: Docker, source: string, target: string) => {
  const colon = target.lastIndexOf(":")
  await docker.getImage(source).tag({ repo: target.slice(0, colon), tag: target.slice(colon + 1) })
  const stream = await docker
    .getImage(target)
    .push({ authconfig: {}, ...(engine.kind === "podman" ? { tlsVerify: false } : {}) })
  let out = ""
  for await (const chunk of stream as AsyncIterable<Buffer>) out += chunk.toString()
  const error = out
    .split("\n")
    .filter((l) => l.includes('"error"'))
    .at(0)
  if (error !== undefined) throw new Error(`push ${target}: ${error}`)
}

/** The local id of an image, as the container list reports it. */
export const imageId = async (docker: Docker, ref: string): Promise<string> =>
  (await docker.getImage(ref).inspect()).Id

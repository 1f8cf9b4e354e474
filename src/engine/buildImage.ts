import type Docker from "dockerode"
import type { BuildSpec } from "../domain/BuildSpec.ts"
import { OutputTail } from "./OutputTail.ts"
import { readJsonLines } from "./readJsonLines.ts"

/** What the builder said: its output's tail and, when it failed, its error. */
export interface BuildOutput {
  readonly output: string
  readonly error?: string
}

/**
 * The context as the builder gets it: exactly the entries the manifest loader listed
 * and hashed (after .dockerignore), plus the Dockerfile when fleetd adds it itself.
 * Modes are sent as they are (no umask), as the Docker CLI does.
 */
export const contextTar = async (build: BuildSpec): Promise<NodeJS.ReadableStream> => {
  // Loaded on the first build: plan and apply without one never evaluate tar-fs.
  const { pack } = await import("tar-fs")
  return pack(build.context, {
    entries: build.files,
    umask: 0,
    finalize: false,
    finish: (tar) => {
      if (build.dockerfileContent !== undefined)
        tar.entry({ name: build.dockerfile, mode: 0o644 }, build.dockerfileContent)
      tar.finalize()
    },
  })
}

/**
 * `POST /build` through the classic builder, which Docker 20.10 and Podman 4.3 both
 * answer. The engine answers 200 at once; progress, and a failing step's error, come
 * in the JSON-lines stream, whose tail is kept (bounded like every output tail).
 */
export const runBuild = async (
  docker: Docker,
  tag: string,
  build: BuildSpec,
  labels: Readonly<Record<string, string>>,
  signal: AbortSignal,
): Promise<BuildOutput> => {
  const stream = await docker.buildImage(await contextTar(build), {
    t: tag,
    dockerfile: build.dockerfile,
    buildargs: { ...build.args },
    labels: { ...build.labels, ...labels },
    rm: true,
    forcerm: true,
    // Never pull a base that is present; a missing one the engine still pulls (docs/limitations.md).
    pull: false,
    ...(build.target === undefined ? {} : { target: build.target }),
    ...(build.noCache === true ? { nocache: true } : {}),
    ...(build.network === undefined ? {} : { networkmode: build.network }),
    ...(build.shmSizeBytes === undefined ? {} : { shmsize: build.shmSizeBytes }),
    abortSignal: signal,
  })
  const tail = new OutputTail()
  let error: string | undefined
  await readJsonLines(stream, (line) => {
    try {
      const event: unknown = JSON.parse(line)
      if (typeof event !== "object" || event === null) return
      if ("stream" in event && typeof event.stream === "string") tail.push(Buffer.from(event.stream))
      if ("error" in event && error === undefined) {
        error = (typeof event.error === "string" ? event.error : JSON.stringify(event.error)).trim()
        tail.push(Buffer.from(`${error}\n`))
      }
    } catch {
      tail.push(Buffer.from(`${line}\n`))
    }
  })
  return { output: tail.text(), ...(error === undefined ? {} : { error }) }
}

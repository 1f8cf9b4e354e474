import type Docker from "dockerode"
import type { StepOutput } from "./ContainerEngine.ts"
import { OutputTail } from "./OutputTail.ts"

/** How long to wait for the engine to record an exec's exit code after its output ended. */
const exitCodeWaitMs = 2_000

/**
 * `POST /containers/{id}/exec`, then a hijacked `exec/{id}/start` whose multiplexed
 * stdout and stderr are read to the end (or until `timeoutMs`), then the exit code
 * from `exec/{id}/json`. The Engine API has no call that stops an exec'd process, so
 * on timeout the connection is dropped and the process is left to finish on its own.
 */
export const execInContainer = async (
  docker: Docker,
  id: string,
  command: ReadonlyArray<string>,
  options: { readonly user?: string; readonly timeoutMs: number },
  signal: AbortSignal,
): Promise<StepOutput> => {
  const exec = await docker.getContainer(id).exec({
    Cmd: [...command],
    AttachStdout: true,
    AttachStderr: true,
    ...(options.user === undefined ? {} : { User: options.user }),
    abortSignal: signal,
  })
  const stream = await exec.start({ hijack: true, stdin: false, abortSignal: signal })
  const tail = new OutputTail()
  docker.modem.demuxStream(stream, tail.writable, tail.writable)
  const finished = await new Promise<boolean>((resolve, reject) => {
    const timer = setTimeout(() => resolve(false), options.timeoutMs)
    const done = () => {
      clearTimeout(timer)
      resolve(true)
    }
    stream.once("end", done)
    stream.once("close", done)
    stream.once("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
  if (!finished) {
    stream.destroy()
    return { exitCode: undefined, timedOut: true, output: tail.text() }
  }
  const deadline = Date.now() + exitCodeWaitMs
  let info = await exec.inspect({ abortSignal: signal })
  while (info.Running && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25))
    info = await exec.inspect({ abortSignal: signal })
  }
  return { exitCode: info.ExitCode ?? undefined, timedOut: false, output: tail.text() }
}

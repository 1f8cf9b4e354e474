/**
 * One git command under the source's rules: the prepared environment, a deadline
 * (a hanging remote is abandoned and the process killed), and errors classified and
 * redacted before anyone sees them.
 *
 * git is spawned directly. simple-git, which ran it before, waited 50 ms more after
 * any command that printed nothing (its exit handler's timer), and built a client with
 * its plugins for every call: on the webhook → running path (fetch, checkout, status)
 * that was time on a timer and on bookkeeping, not git's (bench/webhookToRunning.ts).
 * What its guards checked is fixed here: every argument comes from fleetd, after
 * checkGitInputs; the environment is exactly gitEnvironment's (GIT_* variables only
 * from its list; EDITOR, PAGER and the like never); stdin is closed, so nothing can
 * prompt.
 */
import { spawn } from "node:child_process"
import { Duration, Effect } from "effect"
import { classifyGitError, sourceHint } from "./classifyGitError.ts"
import type { GitEnvironment } from "./gitEnvironment.ts"
import { SourceError } from "./ManifestSource.ts"
import { redactSecrets } from "./redactUrl.ts"

export type RunGit = (
  cwd: string,
  args: ReadonlyArray<string>,
  /** The step, for messages: "fetching branch main of https://host/x.git". */
  what: string,
) => Effect.Effect<string, SourceError>

interface Exited {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  /** Why git could not be run at all (not installed, no such directory). */
  readonly spawnError?: string
}

/** Runs git to its exit; killed when the effect is interrupted (the deadline, a shutdown). */
const runToExit = (cwd: string, args: ReadonlyArray<string>, env: GitEnvironment["env"], timeout: number) =>
  Effect.callback<Exited>((resume) => {
    const controller = new AbortController()
    const stdout: Array<Buffer> = []
    const stderr: Array<Buffer> = []
    let settled = false
    const settle = (exited: Exited) => {
      if (settled) return
      settled = true
      resume(Effect.succeed(exited))
    }
    const child = spawn("git", [...args], {
      cwd,
      env: { ...env },
      stdio: ["ignore", "pipe", "pipe"],
      signal: controller.signal,
      // A second guard in case the interruption is lost: Node kills git at the deadline too.
      timeout,
    })
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk))
    child.on("error", (error) => {
      if (error.name !== "AbortError")
        settle({ code: null, stdout: "", stderr: "", spawnError: error.message })
    })
    // "close", not "exit": the output is complete only once both pipes are closed.
    child.on("close", (code) =>
      settle({
        code,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      }),
    )
    return Effect.sync(() => controller.abort())
  })

export const makeRunGit =
  (environment: GitEnvironment, timeout: Duration.Duration): RunGit =>
  (cwd, args, what) =>
    runToExit(cwd, args, environment.env, Duration.toMillis(timeout)).pipe(
      Effect.flatMap((exited) => {
        if (exited.code === 0) return Effect.succeed(exited.stdout)
        const text =
          exited.spawnError ??
          (exited.stderr.trim() !== ""
            ? exited.stderr
            : exited.code === null
              ? "git was killed before it finished"
              : exited.stdout)
        return Effect.fail(classifyGitError(what, redactSecrets(text, environment.secrets)))
      }),
      Effect.timeoutOrElse({
        duration: timeout,
        orElse: () =>
          Effect.fail(
            new SourceError({
              reason: "Unavailable",
              message: `${what} did not finish within ${Duration.format(timeout)}: the remote may be hanging (${sourceHint("Unavailable")})`,
            }),
          ),
      }),
    )

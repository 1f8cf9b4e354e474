/**
 * One git command under the source's rules: the prepared environment, a deadline
 * (a hanging remote is abandoned and the process killed through the abort signal),
 * and errors classified and redacted before anyone sees them.
 */
import { Duration, Effect } from "effect"
import { simpleGit } from "simple-git"
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

/**
 * simple-git refuses these by default because they can run programs. Every value we
 * pass is fixed by gitEnvironment (ssh with a pinned known_hosts, empty credential
 * helper, hooks off); no part of them comes from the repository or the remote.
 */
const unsafe = {
  allowUnsafeSshCommand: true,
  allowUnsafeConfigEnvCount: true,
  allowUnsafeHooksPath: true,
  allowUnsafeCredentialHelper: true,
  allowUnsafeAskPass: true,
} as const

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

export const makeRunGit =
  (environment: GitEnvironment, timeout: Duration.Duration): RunGit =>
  (cwd, args, what) =>
    Effect.tryPromise({
      try: (signal) =>
        simpleGit({
          baseDir: cwd,
          abort: signal,
          allowEnvironment: environment.allowEnvironment,
          unsafe,
          // A second guard in case the abort is lost: no output for this long kills git too.
          timeout: { block: Duration.toMillis(timeout) },
        })
          .env({ ...environment.env })
          .raw([...args]),
      catch: (error) => classifyGitError(what, redactSecrets(messageOf(error), environment.secrets)),
    }).pipe(
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

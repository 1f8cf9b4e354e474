/**
 * A failed git command → a SourceError the loop can act on. git has no machine-readable
 * errors, so the reason is read from its (LC_ALL=C) stderr; anything unrecognised is
 * `Unavailable`, which is retried with backoff rather than declared permanent.
 */
import { SourceError, type SourceErrorReason } from "./ManifestSource.ts"

const patterns: ReadonlyArray<readonly [SourceErrorReason, RegExp]> = [
  // First: ssh also prints "Could not read from remote repository" after these.
  [
    "HostKeyMismatch",
    /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key for .* has changed|No \S+ host key is known/i,
  ],
  [
    "AuthFailed",
    /Authentication failed|Permission denied \(|could not read (Username|Password)|terminal prompts disabled|HTTP Basic: Access denied|The requested URL returned error: 40[13]/i,
  ],
  ["RefNotFound", /couldn't find remote ref|Remote branch .* not found|not our ref|unknown revision/i],
  [
    "Unavailable",
    /Could not resolve|Connection refused|timed out|Failed to connect|unreachable|No route to host|Connection reset|Connection closed|does not appear to be a git repository|hung up unexpectedly|early EOF/i,
  ],
]

const hints: Record<SourceErrorReason, string> = {
  Unavailable:
    "check the URL (--repo) and that the remote is reachable from this host; fleetd keeps retrying with backoff",
  AuthFailed: "check the SSH key (--ssh-key) or the HTTPS token, and that it may read the repository",
  HostKeyMismatch:
    "the server's host key does not match the pinned known_hosts; if the key was rotated on purpose, update the --known-hosts file, otherwise treat it as an attack",
  RefNotFound: "check that the branch or ref exists on the remote (--branch / --ref)",
  Invalid: "fix the source settings",
  Unverified:
    "push a revision signed by one of the keys in --verify-commits, or add the signer's key to that file if it should be trusted (docs/verification.md)",
}

export const reasonOf = (stderr: string): SourceErrorReason =>
  patterns.find(([, pattern]) => pattern.test(stderr))?.[0] ?? "Unavailable"

/** Lines git and ssh print around every remote failure, which say nothing about this one. */
const boilerplate =
  /^(hint:|fatal: Could not read from remote repository|Please make sure you have the correct access rights|and the repository exists)/

/** git's own lines, without boilerplate, short enough for /status. */
const gitLines = (stderr: string, reason: SourceErrorReason): string => {
  const lines = stderr
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l !== "")
  // ssh's framed warning is a dozen lines; the fingerprint is what the operator needs.
  const fingerprint = /SHA256:[A-Za-z0-9+/=]+/.exec(stderr)?.[0]
  if (reason === "HostKeyMismatch" && fingerprint !== undefined)
    return `the server presented a host key (${fingerprint}) that the known_hosts file does not list`
  const useful = lines.filter((l) => !boilerplate.test(l))
  const text = (useful.length > 0 ? useful : lines).join("; ")
  return text.length > 600 ? `${text.slice(0, 600)}…` : text
}

/** `what` says which step failed, e.g. `fetching branch main of https://host/x.git`; stderr is already redacted. */
export const classifyGitError = (what: string, stderr: string, reason = reasonOf(stderr)): SourceError =>
  new SourceError({
    reason,
    message: `${what} failed${stderr.trim() === "" ? "" : `: ${gitLines(stderr, reason)}`} (${hints[reason]})`,
  })

export const sourceHint = (reason: SourceErrorReason): string => hints[reason]

import type { Duration, Redacted } from "effect"

/** Where the desired state comes from. */
export type SourceConfig =
  | {
      readonly _tag: "Git"
      /** https://, ssh:// (or scp-like user@host:path) or file:// URL, never with credentials in it. */
      readonly repo: string
      /** A branch to track (its head is followed) ... */
      readonly branch: string
      /** ... or a pinned tag or commit (then `branch` is ignored). */
      readonly ref: string | undefined
      /** SSH private key file; host-key checking against `knownHostsFile` is always on. */
      readonly sshKeyFile: string | undefined
      readonly knownHostsFile: string | undefined
      /** HTTPS token (sent as basic auth), never logged. */
      readonly httpsToken: Redacted.Redacted<string> | undefined
      /**
       * --verify-commits: the operator's keys (an SSH allowed_signers file or armored
       * OpenPGP public keys); only revisions signed by one of them are applied.
       */
      readonly verifyCommits?: string
      /** How long one git command may take before it is abandoned (a hanging remote). */
      readonly timeout: Duration.Duration
    }
  | { readonly _tag: "Dir"; readonly dir: string }

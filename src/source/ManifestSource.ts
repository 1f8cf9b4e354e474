import { Context, Data, type Effect } from "effect"

/**
 * Why the source could not be read. `Unavailable` (remote down, hanging, network) is
 * retried with backoff; the others are reported and retried on the next poll, since
 * the operator (or the remote) may fix them at any time.
 */
export type SourceErrorReason =
  | "Unavailable"
  | "AuthFailed"
  | "HostKeyMismatch"
  | "RefNotFound"
  | "Invalid"
  /** --verify-commits refused the revision (unsigned, bad signature, unknown key): it is stalled. */
  | "Unverified"

export class SourceError extends Data.TaggedError("SourceError")<{
  readonly reason: SourceErrorReason
  /** For the operator; never contains a credential (URLs are redacted). */
  readonly message: string
  /** With `Unverified`: the commit that was refused (it is never checked out). */
  readonly revision?: string
}> {}

/** Who signed the applied revision (--verify-commits); one of the operator's keys. */
export interface Signer {
  readonly format: "ssh" | "openpgp"
  /** `SHA256:...` for SSH, the primary key's fingerprint (40 hex) for OpenPGP. */
  readonly fingerprint: string
  /** The allowed_signers principal (SSH) or the key's user id (OpenPGP). */
  readonly principal: string
  /** What was verified: the head commit, or the annotated tag pinned by --ref. */
  readonly object: "commit" | "tag"
}

export interface SourceSnapshot {
  /** The commit sha (git) or a content hash `dir:<hex>` (directory mode). */
  readonly revision: string
  /** The directory holding the checked-out files at that revision. */
  readonly root: string
  /** Set when --verify-commits verified the revision. */
  readonly signer?: Signer
}

/**
 * What a pass reads from a snapshot's files (its manifest), given to a sync so that the
 * read can start as soon as the files are in place, beside the check that still follows
 * (GitSource: the `git status` that proves a fresh checkout clean) instead of after it.
 * Undefined for a snapshot the caller needs nothing read from (it has the revision's
 * manifest already). It must not fail: a failed read is a result like any other.
 */
export type ReadAhead<A, R> = (snapshot: SourceSnapshot) => Effect.Effect<A, never, R> | undefined

/** A sync's snapshot, and the read-ahead's result when it counts. */
export interface SyncedWith<A> {
  readonly snapshot: SourceSnapshot
  /**
   * Set only when the read started after the sync's last change to the files and the
   * check beside it then found them exactly at `snapshot.revision`; else the caller
   * reads them itself.
   */
  readonly read?: { readonly value: A }
}

/** Where fleet.yaml comes from: a git checkout or a local directory. */
export class ManifestSource extends Context.Service<
  ManifestSource,
  {
    /** What is tracked, for status and logs (credentials redacted). */
    readonly describe: { readonly kind: "git" | "dir"; readonly location: string; readonly ref: string }
    /** Brings the files up to date (clone, fetch + hard reset) and tells the revision they are at. */
    readonly sync: Effect.Effect<SourceSnapshot, SourceError>
    /**
     * A sync for a pass nobody asked for (the poll interval): may first ask whether
     * anything changed, and return the last snapshot when nothing did (GitSource).
     * Absent: the poll syncs.
     */
    readonly poll?: Effect.Effect<SourceSnapshot, SourceError>
    /**
     * `sync` and `poll` with `read` run beside the last check of a checkout (GitSource),
     * so a new revision's manifest is read while git proves its checkout clean. Absent:
     * the caller syncs, then reads.
     */
    readonly reading?: <A, R>(
      read: ReadAhead<A, R>,
    ) => {
      readonly sync: Effect.Effect<SyncedWith<A>, SourceError, R>
      readonly poll: Effect.Effect<SyncedWith<A>, SourceError, R>
    }
  }
>()("fleetd/source/ManifestSource") {}

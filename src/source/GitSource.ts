/**
 * The git source: one checkout under the data dir, brought to the remote's state on
 * every sync. Nothing is merged or pulled: the tracked branch head is fetched and the
 * worktree forced onto it, so a force-push converges and local debris is wiped. A
 * pinned ref (tag, full or short sha) is resolved after fetching and checked out
 * detached. Submodules are never initialised, hooks never run.
 */
import { existsSync, readFileSync } from "node:fs"
import { mkdir, rm } from "node:fs/promises"
import { join } from "node:path"
import { Clock, Effect, Layer, Semaphore } from "effect"
import { checkGitInputs, type GitConfig } from "./checkGitInputs.ts"
import { gitEnvironment } from "./gitEnvironment.ts"
import {
  ManifestSource,
  type ReadAhead,
  SourceError,
  type SourceSnapshot,
  type SyncedWith,
} from "./ManifestSource.ts"
import { redactUrl } from "./redactUrl.ts"
import { removeStaleLocks } from "./removeStaleLocks.ts"
import { makeRunGit } from "./runGit.ts"
import { type VerifiedMemory, verifyRevision } from "./verifyRevision.ts"
import { worktreeStamp } from "./worktreeStamp.ts"

export interface GitSourceOptions {
  /** Told the duration and outcome of every network fetch (the daemon records a metric). */
  readonly onFetch?: (seconds: number, ok: boolean) => Effect.Effect<void>
  /** Where the environment comes from (tests); defaults to `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>
}

const fullSha = /^[0-9a-f]{40}$/i
const shortSha = /^[0-9a-f]{4,40}$/i

/** Synchronous: one stat, cheaper than a trip through the thread pool (removeStaleLocks.ts). */
const exists = (path: string) => Effect.sync(() => existsSync(path))

const make = (config: GitConfig, dir: string, options: GitSourceOptions) =>
  Effect.gen(function* () {
    // Two syncs on one checkout would race on .git/index.lock; the loop never asks, but be sure.
    const lock = yield* Semaphore.make(1)
    const environment = gitEnvironment(config, options.environment)
    const git = makeRunGit(environment, config.timeout)
    const location = redactUrl(config.repo)
    const onFetch = options.onFetch ?? (() => Effect.void)

    const timedFetch = <A>(fetch: Effect.Effect<A, SourceError>) =>
      Effect.gen(function* () {
        const start = yield* Clock.currentTimeMillis
        return yield* fetch.pipe(
          Effect.onExit((exit) =>
            Effect.flatMap(Clock.currentTimeMillis, (end) =>
              onFetch((end - start) / 1000, exit._tag === "Success"),
            ),
          ),
        )
      })

    /** undefined when the name does not resolve to a commit (no network, no error). */
    const resolve = (name: string) =>
      git(
        dir,
        ["rev-parse", "--verify", "--quiet", "--end-of-options", `${name}^{commit}`],
        "resolving",
      ).pipe(
        Effect.map((out) => out.trim()),
        Effect.map((sha) => (fullSha.test(sha) ? sha : undefined)),
        Effect.orElseSucceed(() => undefined),
      )

    /** The last accepted signature check (verifyRevision.ts); syncs are serialized by `lock`. */
    const verified: VerifiedMemory = {}

    let remoteChecked = false
    const prepareCheckout = Effect.fn("GitSource.prepareCheckout")(function* () {
      if (yield* exists(join(dir, ".git"))) {
        // Only fleetd writes this checkout: once its remote was checked, it stays right.
        const url = remoteChecked
          ? config.repo
          : yield* git(dir, ["config", "--get", "remote.origin.url"], "reading the checkout's remote").pipe(
              Effect.map((out) => out.trim()),
              Effect.orElseSucceed(() => ""),
            )
        if (url === config.repo) {
          remoteChecked = true
          const removed = removeStaleLocks(join(dir, ".git"))
          if (removed.length > 0)
            yield* Effect.logWarning(
              `removed lock files left by an interrupted git in ${dir}: ${removed.join(", ")}`,
            )
          return
        }
        // Another repository (or a broken checkout): reusing it could mix their histories.
        yield* Effect.logInfo(`replacing the checkout in ${dir}: it does not track ${location}`)
      }
      yield* Effect.tryPromise({
        try: async () => {
          await rm(dir, { recursive: true, force: true })
          await mkdir(dir, { recursive: true })
        },
        catch: (e) =>
          new SourceError({
            reason: "Invalid",
            message: `cannot create the checkout directory ${dir}: ${String(e)} (check --data-dir and its permissions)`,
          }),
      })
      yield* git(dir, ["init", "--quiet"], `creating the checkout in ${dir}`)
      yield* git(dir, ["remote", "add", "--", "origin", config.repo], `adding the remote ${location}`)
      remoteChecked = true
    })

    const fetchArgs = ["fetch", "--no-tags", "--no-recurse-submodules", "--force"]

    /**
     * The commit a remote-tracking ref names, read from its loose ref file (which git
     * writes on every fetch that moves it and which, when present, is what git itself
     * resolves): one process fewer per new revision. Anything else (packed, symbolic,
     * missing) asks git.
     */
    const resolveTracking = (ref: string) =>
      Effect.sync(() => {
        try {
          return readFileSync(join(dir, ".git", ref), "utf8").trim()
        } catch {
          return ""
        }
      }).pipe(Effect.flatMap((sha) => (fullSha.test(sha) ? Effect.succeed(sha.toLowerCase()) : resolve(ref))))

    /** The head of the tracked branch. Depth 1: history is never needed, and a rewrite cannot wedge it. */
    const fetchBranch = Effect.fn("GitSource.fetchBranch")(function* (branch: string) {
      const tracking = `refs/remotes/origin/${branch}`
      yield* timedFetch(
        git(
          dir,
          [...fetchArgs, "--depth=1", "--", "origin", `+refs/heads/${branch}:${tracking}`],
          `fetching branch ${branch} of ${location}`,
        ),
      )
      const sha = yield* resolveTracking(tracking)
      if (sha === undefined)
        return yield* new SourceError({
          reason: "RefNotFound",
          message: `branch ${branch} of ${location} was fetched but does not name a commit`,
        })
      return sha
    })

    /** A tag or a (short) sha: full history, so a short sha can be resolved locally. */
    const fetchPinned = Effect.fn("GitSource.fetchPinned")(function* (ref: string) {
      // A commit id names the same content for ever: no need to ask the remote again.
      const known = fullSha.test(ref) ? yield* resolve(ref) : undefined
      if (known !== undefined) return known
      const unshallow = (yield* exists(join(dir, ".git", "shallow"))) ? ["--unshallow"] : []
      yield* timedFetch(
        git(
          dir,
          [
            ...fetchArgs,
            "--prune",
            ...unshallow,
            "--",
            "origin",
            "+refs/heads/*:refs/remotes/origin/*",
            "+refs/tags/*:refs/tags/*",
          ],
          `fetching ${location} for ref ${ref}`,
        ),
      )
      const found =
        (yield* resolve(`refs/tags/${ref}`)) ?? (shortSha.test(ref) ? yield* resolve(ref) : undefined)
      if (found !== undefined) return found
      if (fullSha.test(ref)) {
        // A commit no branch or tag reaches (servers may still serve it by id).
        const byId = yield* timedFetch(
          git(dir, [...fetchArgs, "--", "origin", ref], `fetching commit ${ref} of ${location}`),
        ).pipe(
          Effect.flatMap(() => resolve(ref)),
          Effect.orElseSucceed(() => undefined),
        )
        if (byId !== undefined) return byId
      }
      return yield* new SourceError({
        reason: "RefNotFound",
        message: `the pinned ref ${ref} is neither a tag nor a commit of ${location} (check --ref)`,
      })
    })

    /**
     * What --verify-commits checks: the pinned tag when --ref names an annotated tag
     * (Tag mode), else the commit itself (the branch head, or a pinned commit id). A
     * lightweight tag has no signature of its own: refused, as it proves nothing.
     */
    const verifyTarget = Effect.fn("GitSource.verifyTarget")(function* (commit: string) {
      const ref = config.ref
      if (ref === undefined || fullSha.test(ref)) return { commit }
      const tag = yield* git(
        dir,
        ["rev-parse", "--verify", "--quiet", "--end-of-options", `refs/tags/${ref}`],
        `resolving tag ${ref}`,
      ).pipe(
        Effect.map((out) => out.trim()),
        Effect.orElseSucceed(() => ""),
      )
      if (!fullSha.test(tag)) return { commit }
      if (tag === commit)
        return yield* new SourceError({
          reason: "Unverified",
          revision: commit,
          message: `tag ${ref} (${commit}) is refused by --verify-commits: it is a lightweight tag, which carries no signature (pin a signed annotated tag: git tag -s ${ref}); the last verified revision keeps running`,
        })
      return { commit, tag: { id: tag, name: ref } }
    })

    /** Whether HEAD is `sha` with no changed, untracked or ignored file in the worktree. */
    const isCleanAt = (sha: string) =>
      git(
        dir,
        ["status", "--porcelain=v2", "--branch", "--ignored", "--untracked-files=all"],
        `checking the checkout in ${dir}`,
      ).pipe(
        Effect.map((out) => {
          const lines = out.split("\n").filter((line) => line !== "")
          return lines.includes(`# branch.oid ${sha}`) && lines.every((line) => line.startsWith("# "))
        }),
        Effect.orElseSucceed(() => false),
      )

    /** The commit this process last left the checkout clean at: a new target skips the status that would only say "not yet". */
    let cleanAt: string | undefined
    /**
     * What the last sync returned, with the worktree's stamp taken just before `git status`
     * found it clean (so any later change alters the stamp): what a poll may return again.
     */
    let settled: { readonly snapshot: SourceSnapshot; readonly stamp: string } | undefined
    const stamp = Effect.sync(() => worktreeStamp(dir))

    /**
     * `isCleanAt`, with the caller's read of the same files (if it has one) run beside it
     * instead of after: the files are already in place, and nothing writes them while git
     * checks them. The read counts only when the check passes.
     */
    const provenWith = <A, R>(sha: string, snapshot: SourceSnapshot, read: ReadAhead<A, R> | undefined) => {
      const reading = read?.(snapshot)
      if (reading === undefined)
        return Effect.map(isCleanAt(sha), (clean) => ({ clean, read: undefined as { value: A } | undefined }))
      // The read first: its first file operations are under way while git's process is
      // forked, which holds the event loop for a moment.
      return Effect.map(Effect.all([reading, isCleanAt(sha)], { concurrency: 2 }), ([value, clean]) => ({
        clean,
        read: clean ? { value } : undefined,
      }))
    }

    const sync = <A, R>(read?: ReadAhead<A, R>): Effect.Effect<SyncedWith<A>, SourceError, R> =>
      Effect.gen(function* () {
        settled = undefined
        const invalid = checkGitInputs(config)
        if (invalid !== undefined) return yield* new SourceError({ reason: "Invalid", message: invalid })
        yield* prepareCheckout()
        const target =
          config.ref === undefined ? yield* fetchBranch(config.branch) : yield* fetchPinned(config.ref)
        // Before any checkout: a refused revision never reaches the worktree, which stays
        // at the last verified one. The id is verified, and that id is checked out.
        const signer =
          config.verifyCommits === undefined
            ? undefined
            : yield* verifyRevision(
                config.verifyCommits,
                dir,
                yield* verifyTarget(target),
                environment,
                config.timeout,
                verified,
              )
        const snapshot: SourceSnapshot = {
          revision: target,
          root: dir,
          ...(signer === undefined ? {} : { signer }),
        }
        // Usually the checkout already is exactly the target: one status call proves it and
        // spares a checkout and a clean. A
        // target other than the one this process left is checked out straight away.
        const maybeClean = cleanAt === undefined || cleanAt === target
        cleanAt = undefined
        let stamped = maybeClean ? yield* stamp : undefined
        let ahead: { readonly value: A } | undefined
        if (!(maybeClean && (yield* isCleanAt(target)))) {
          // --force discards edits to tracked files; clean -ffdx removes everything else
          // (nested repos too), run only when status says there is something to remove:
          // one git process fewer on a new revision. The caller's read of the new files
          // runs beside the status that proves them (provenWith).
          yield* git(dir, ["checkout", "--force", "--detach", target, "--"], `checking out ${target}`)
          stamped = yield* stamp
          let proven = yield* provenWith(target, snapshot, read)
          if (!proven.clean) {
            yield* git(dir, ["clean", "-ffdx"], `cleaning the checkout in ${dir}`)
            stamped = yield* stamp
            proven = yield* provenWith(target, snapshot, read)
            if (!proven.clean)
              return yield* new SourceError({
                reason: "Unavailable",
                message: `the checkout in ${dir} is not at ${target} after checking it out; the next sync tries again`,
              })
          }
          ahead = proven.read
        }
        cleanAt = target
        yield* Effect.annotateCurrentSpan("revision", target)
        if (stamped !== undefined) settled = { snapshot, stamp: stamped }
        return { snapshot, ...(ahead === undefined ? {} : { read: ahead }) } satisfies SyncedWith<A>
      }).pipe(Effect.withSpan("GitSource.sync"))

    /**
     * The tracked branch's head on the remote, without fetching (`ls-remote`: no pack is
     * built or sent, unlike a `--depth=1` fetch, which sends the head commit again every
     * time); undefined when the remote has no such branch.
     */
    const remoteHead = (branch: string) =>
      git(
        dir,
        ["ls-remote", "--", "origin", `refs/heads/${branch}`],
        `asking ${location} for the head of branch ${branch}`,
      ).pipe(
        Effect.map((out) => {
          const [sha, name] = out.split("\n")[0]?.split("\t") ?? []
          return name === `refs/heads/${branch}` && sha !== undefined && fullSha.test(sha)
            ? sha.toLowerCase()
            : undefined
        }),
      )

    /**
     * A sync for a pass nobody asked for (the poll): when the branch head on the remote
     * is still the commit the last sync left, and the worktree's stamp says nothing in
     * the checkout changed since git found it clean, that snapshot stands; one git
     * process instead of a fetch (five with the remote's) and a status. Anything else
     * (a new head, a touched checkout, a pinned ref, --verify-commits, whose keys file may
     * have changed) is a full sync. A remote that cannot be asked fails as a fetch would.
     */
    const poll = <A, R>(read?: ReadAhead<A, R>): Effect.Effect<SyncedWith<A>, SourceError, R> =>
      Effect.gen(function* () {
        const last = settled
        if (last === undefined || config.ref !== undefined || config.verifyCommits !== undefined)
          return yield* sync(read)
        if (checkGitInputs(config) !== undefined) return yield* sync(read)
        const head = yield* timedFetch(remoteHead(config.branch))
        if (head === last.snapshot.revision && (yield* stamp) === last.stamp)
          return { snapshot: last.snapshot } satisfies SyncedWith<A>
        return yield* sync(read)
      }).pipe(Effect.withSpan("GitSource.poll"))

    const snapshotOnly = Effect.map(({ snapshot }: SyncedWith<unknown>) => snapshot)
    return ManifestSource.of({
      describe: { kind: "git", location, ref: config.ref ?? config.branch },
      sync: lock.withPermits(1)(snapshotOnly(sync())),
      poll: lock.withPermits(1)(snapshotOnly(poll())),
      reading: (read) => ({
        sync: lock.withPermits(1)(sync(read)),
        poll: lock.withPermits(1)(poll(read)),
      }),
    })
  })

export const GitSource = {
  /** A ManifestSource over the repository in `config`, checked out in `checkoutDir` (owned by fleetd). */
  layer: (
    config: GitConfig,
    checkoutDir: string,
    options: GitSourceOptions = {},
  ): Layer.Layer<ManifestSource> => Layer.effect(ManifestSource, make(config, checkoutDir, options)),
}

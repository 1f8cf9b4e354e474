/**
 * The Node flags `fleetd run` needs, and the re-exec that gives them to it.
 *
 * An idle daemon's live heap is 20–35 MB, but V8 sizes its young generation for
 * throughput (16 MB semi-spaces), and what it grew into stays resident: ≈ 25 MB more
 * for nothing at the same CPU (bench/RESULTS.md, bench/idleDaemon.ts). V8's mid-tier
 * compiler, Maglev, holds its code and its compiler's pages of the node binary resident
 * too; without it hot code goes from the baseline compiler straight to TurboFan (as in
 * Node 20), which measured the same 1,000-service plan() time and ≈ 9 MB less resident
 * (bench/RESULTS.md). The optimising compiler stays: without it plan() took twice as
 * long. `--jitless` is not an option at all: it removes WebAssembly, which fetch()
 * (registry checks, notifications) needs. These flags can
 * only be given when Node starts (`v8.setFlagsFromString` later did not shrink it), so
 * the daemon replaces its own process image with the same Node, the flags, and the same
 * arguments (`process.execve`: same pid, so a container's PID 1 and its signals stay the
 * same). Users, the Dockerfile and the README need no flag; one-shot commands never
 * re-exec (their start-up is their cost: bench/startup.ts).
 */
export const daemonNodeFlags: ReadonlyArray<string> = ["--max-semi-space-size=1", "--no-maglev"]

/**
 * The flag's name, to respect a value the user gave: `--max-semi-space-size` for
 * `--max-semi-space-size=1`, and `--maglev` for both `--maglev` and `--no-maglev`.
 */
const flagName = (flag: string): string => (flag.split("=")[0] ?? flag).replace(/^--no-/, "--")

/**
 * The flags of `daemonNodeFlags` this process was not started with: neither on Node's
 * command line nor in NODE_OPTIONS (a value the user chose wins).
 */
export const missingDaemonFlags = (execArgv: ReadonlyArray<string>, nodeOptions: string | undefined) =>
  daemonNodeFlags.filter((flag) => {
    const name = flagName(flag)
    const given = [...execArgv, ...(nodeOptions ?? "").split(/\s+/)]
    return !given.some((arg) => arg.startsWith("--") && flagName(arg) === name)
  })

/**
 * Re-runs this process with the missing daemon flags; returns only when there is nothing
 * to do or it cannot (no `process.execve`: an older Node or another platform, where the
 * daemon runs as before, with more memory). FLEETD_NODE_FLAGS=0 turns it off.
 */
export const reexecWithDaemonFlags = (): void => {
  if (process.env.FLEETD_NODE_FLAGS === "0" || typeof process.execve !== "function") return
  const missing = missingDaemonFlags(process.execArgv, process.env.NODE_OPTIONS)
  if (missing.length === 0) return
  process.execve(
    process.execPath,
    [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)],
    process.env,
  )
}

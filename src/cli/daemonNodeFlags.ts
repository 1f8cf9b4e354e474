/**
 * The Node flags `fleetd run` needs, and the re-exec that gives them to it.
 *
 * An idle daemon's live heap is 20–35 MB, but V8 sizes its young generation for
 * throughput (16 MB semi-spaces), and what it grew into stays resident: ≈ 25 MB more
 * for nothing at the same CPU (bench/RESULTS.md, bench/idleDaemon.ts). These flags can
 * only be given when Node starts (`v8.setFlagsFromString` later did not shrink it), so
 * the daemon replaces its own process image with the same Node, the flags, and the same
 * arguments (`process.execve`: same pid, so a container's PID 1 and its signals stay the
 * same). Users, the Dockerfile and the README need no flag; one-shot commands never
 * re-exec (their start-up is their cost: bench/startup.ts).
 */
export const daemonNodeFlags: ReadonlyArray<string> = ["--max-semi-space-size=1"]

/** The flag's name (`--max-semi-space-size`), to respect a value the user gave. */
const flagName = (flag: string): string => flag.split("=")[0] ?? flag

/**
 * The flags of `daemonNodeFlags` this process was not started with: neither on Node's
 * command line nor in NODE_OPTIONS (a value the user chose wins).
 */
export const missingDaemonFlags = (execArgv: ReadonlyArray<string>, nodeOptions: string | undefined) =>
  daemonNodeFlags.filter((flag) => {
    const name = flagName(flag)
    const given = [...execArgv, ...(nodeOptions ?? "").split(/\s+/)]
    return !given.some((arg) => arg === name || arg.startsWith(`${name}=`))
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

/**
 * A private sshd for git-over-SSH tests: Debian's openssh-server on a free loopback
 * port, with its own host key, one user key and a temp dir for everything it needs.
 * Runs as root (as the tests do) and logs in as root with the generated key only.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { connect } from "node:net"
import { join } from "node:path"
import { Effect, type Scope } from "effect"
import { freePort } from "./freePort.ts"
import { tempDir } from "./gitRemote.ts"

export const sshdPath = "/usr/sbin/sshd"

export interface SshServer {
  readonly port: number
  /** A known_hosts file with the single pinned line for `[127.0.0.1]:port`. */
  readonly knownHostsFile: string
  /** The private key whose public half is authorized. */
  readonly userKeyFile: string
  /** `ssh://root@127.0.0.1:port/<absolute path>` */
  readonly url: (repositoryPath: string) => string
  /** A fresh key pair nobody authorized, for the "wrong key" case. */
  readonly strangerKeyFile: string
  /** Stops sshd, gives it a new host key and starts it again on the same port; known_hosts keeps the old one. */
  readonly rotateHostKey: Effect.Effect<void>
}

const keygen = (file: string) => {
  rmSync(file, { force: true })
  rmSync(`${file}.pub`, { force: true })
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "fleetd-test", "-f", file])
}

/** Resolves once the server sends its SSH banner, or fails after the deadline. */
const waitForBanner = (port: number, deadlineMs: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const deadline = Date.now() + deadlineMs
    const attempt = () => {
      const socket = connect({ host: "127.0.0.1", port })
      const retry = () => {
        socket.destroy()
        if (Date.now() > deadline)
          reject(new Error(`sshd on port ${port} did not answer within ${deadlineMs} ms`))
        else setTimeout(attempt, 50)
      }
      socket.setTimeout(1000, retry)
      socket.once("error", retry)
      socket.once("data", (data) => {
        socket.destroy()
        if (data.toString().startsWith("SSH-")) resolve()
        else retry()
      })
    }
    attempt()
  })

const stopProcess = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill("SIGTERM")
  })

export const startSshServer = (): Effect.Effect<SshServer, Error, Scope.Scope> =>
  Effect.gen(function* () {
    if (!existsSync(sshdPath))
      return yield* Effect.fail(new Error(`${sshdPath} is missing: apt-get install -y openssh-server`))
    // sshd refuses to start without its privilege-separation directory.
    mkdirSync("/run/sshd", { recursive: true, mode: 0o755 })
    const dir = yield* tempDir("sshd")
    const port = yield* Effect.promise(freePort)
    const hostKey = join(dir, "host_key")
    const userKeyFile = join(dir, "user_key")
    const strangerKeyFile = join(dir, "stranger_key")
    const knownHostsFile = join(dir, "known_hosts")
    keygen(userKeyFile)
    keygen(strangerKeyFile)
    writeFileSync(join(dir, "authorized_keys"), `restrict ${readFileSync(`${userKeyFile}.pub`, "utf8")}`)
    const config = join(dir, "sshd_config")
    writeFileSync(
      config,
      [
        `Port ${port}`,
        "ListenAddress 127.0.0.1",
        `HostKey ${hostKey}`,
        `PidFile ${join(dir, "sshd.pid")}`,
        `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
        "UsePAM no",
        "StrictModes no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "PermitRootLogin prohibit-password",
        "AllowUsers root",
        "LogLevel INFO",
        "",
      ].join("\n"),
    )

    let child: ChildProcess | undefined
    const log: Array<string> = []
    const start = Effect.tryPromise({
      try: async () => {
        keygen(hostKey)
        if (!existsSync(knownHostsFile)) {
          const pub = readFileSync(`${hostKey}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" ")
          writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${pub}\n`)
        }
        const proc = spawn(sshdPath, ["-D", "-e", "-f", config], { stdio: ["ignore", "ignore", "pipe"] })
        proc.stderr?.on("data", (chunk: Buffer) => log.push(chunk.toString()))
        child = proc
        await waitForBanner(port, 10_000)
      },
      catch: (e) => new Error(`${String(e)}\n${log.join("")}`),
    })
    const stop = Effect.promise(() => (child === undefined ? Promise.resolve() : stopProcess(child)))
    yield* Effect.acquireRelease(start, () => stop)
    return {
      port,
      knownHostsFile,
      userKeyFile,
      strangerKeyFile,
      url: (path) => `ssh://root@127.0.0.1:${port}${path}`,
      rotateHostKey: Effect.andThen(stop, start).pipe(Effect.orDie),
    }
  })

import { describe, expect, it } from "@effect/vitest"
import { Duration, Redacted } from "effect"
import {
  checkGitInputs,
  type GitConfig,
  isSshUrl,
  refFormatProblem,
} from "../../../src/source/checkGitInputs.ts"
import { reasonOf } from "../../../src/source/classifyGitError.ts"
import { gitEnvironment } from "../../../src/source/gitEnvironment.ts"
import { redactSecrets, redactUrl } from "../../../src/source/redactUrl.ts"

const config = (overrides: Partial<Omit<GitConfig, "_tag">> = {}): GitConfig => ({
  _tag: "Git",
  repo: "https://git.example/fleet.git",
  branch: "main",
  ref: undefined,
  sshKeyFile: undefined,
  knownHostsFile: undefined,
  httpsToken: undefined,
  timeout: Duration.seconds(30),
  ...overrides,
})

describe("git inputs", () => {
  it.each([
    ["main", true],
    ["release/v1.2", true],
    ["feature/x_y-z", true],
    ["-x", false],
    ["--upload-pack=x", false],
    ["a..b", false],
    ["a b", false],
    ["a~1", false],
    ["a^", false],
    ["a:b", false],
    ["a?", false],
    ["a*", false],
    ["a[b", false],
    ["a\\b", false],
    ["a@{1}", false],
    ["@", false],
    ["/a", false],
    ["a/", false],
    ["a//b", false],
    ["a.", false],
    [".hidden", false],
    ["a/.b", false],
    ["main.lock", false],
    ["a\u0001b", false],
    ["", false],
  ])("branch %j is valid: %s", (name, valid) => {
    expect(refFormatProblem(name) === undefined).toBe(valid)
  })

  it.each([
    ["ssh://git@host/x.git", true],
    ["git+ssh://host/x.git", true],
    ["git@github.com:org/x.git", true],
    ["host:x.git", true],
    ["https://host/x.git", false],
    ["file:///srv/x.git", false],
    ["/srv/x.git", false],
    ["./a:b", false],
  ])("%s is ssh: %s", (url, ssh) => {
    expect(isSshUrl(url)).toBe(ssh)
  })

  it("names the field at fault", () => {
    expect(checkGitInputs(config({ repo: "-oProxyCommand=x" }))).toContain("(--repo)")
    expect(checkGitInputs(config({ repo: "ext::sh -c x" }))).toContain("remote helper")
    expect(checkGitInputs(config({ repo: "fd::17" }))).toContain("remote helper")
    expect(checkGitInputs(config({ repo: "gopher://h/x" }))).toContain("unsupported scheme")
    expect(checkGitInputs(config({ branch: "-b" }))).toContain("(--branch)")
    expect(checkGitInputs(config({ ref: "-r" }))).toContain("(--ref)")
    expect(checkGitInputs(config({ repo: "git@h:x.git" }))).toContain("--known-hosts")
    expect(checkGitInputs(config({ repo: "http://h/x.git", httpsToken: Redacted.make("t0ken") }))).toContain(
      "plain http://",
    )
    expect(checkGitInputs(config())).toBeUndefined()
    expect(checkGitInputs(config({ ref: "v1.0.0" }))).toBeUndefined()
  })
})

describe("redaction", () => {
  it("masks URL credentials and known secrets wherever they appear", () => {
    expect(redactUrl("fatal: https://user:s3cret@h/x.git and http://TOKEN@h/y")).toBe(
      "fatal: https://***@h/x.git and http://***@h/y",
    )
    expect(redactUrl("ssh://git@h/x ssh://git:pw@h/x git@h:x")).toBe(
      "ssh://git@h/x ssh://git:***@h/x git@h:x",
    )
    expect(redactSecrets("token abcdef1234 leaked", ["abcdef1234"])).toBe("token *** leaked")
  })

  it("derives the secrets of a URL and a token, raw and percent-decoded", () => {
    const env = gitEnvironment(
      config({ repo: "https://user:p%40ss@h/x.git", httpsToken: Redacted.make("tok_123") }),
      {},
    )
    const basic = Buffer.from("x-access-token:tok_123").toString("base64")
    expect(env.secrets).toEqual(["p%40ss", "p@ss", "tok_123", basic])
  })
})

describe("gitEnvironment", () => {
  it("keeps TLS settings, drops other inherited GIT_* and program-running variables", () => {
    const { env } = gitEnvironment(config(), {
      PATH: "/usr/bin",
      GIT_SSL_CAINFO: "/etc/ssl/ca.pem",
      GIT_DIR: "/elsewhere",
      GIT_ASKPASS: "/bin/evil",
      PAGER: "evil",
      EDITOR: "evil",
    })
    expect(env["PATH"]).toBe("/usr/bin")
    expect(env["GIT_SSL_CAINFO"]).toBe("/etc/ssl/ca.pem")
    for (const gone of ["GIT_DIR", "GIT_ASKPASS", "PAGER", "EDITOR"]) expect(env[gone]).toBeUndefined()
    expect(env["GIT_TERMINAL_PROMPT"]).toBe("0")
    expect(env["GIT_SSH_COMMAND"]).toMatch(/^ssh /)
  })

  it("pins ssh to the known_hosts file, with host-key checking on and no prompts", () => {
    const { env } = gitEnvironment(
      config({ repo: "git@h:x.git", sshKeyFile: "/keys/it's", knownHostsFile: "/etc/fleetd/known_hosts" }),
      {},
    )
    expect(env["GIT_SSH_COMMAND"]).toBe(
      "ssh -i '/keys/it'\\''s' -o IdentitiesOnly=yes -o 'UserKnownHostsFile=/etc/fleetd/known_hosts' -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=30",
    )
  })

  it("sends the token only as an Authorization header in GIT_CONFIG_* variables", () => {
    const { env } = gitEnvironment(config({ httpsToken: Redacted.make("tok_123") }), {})
    const entries = Array.from({ length: Number(env["GIT_CONFIG_COUNT"]) }, (_, i) => [
      env[`GIT_CONFIG_KEY_${i}`],
      env[`GIT_CONFIG_VALUE_${i}`],
    ])
    expect(entries).toContainEqual([
      "http.extraHeader",
      `Authorization: Basic ${Buffer.from("x-access-token:tok_123").toString("base64")}`,
    ])
    expect(entries).toContainEqual(["credential.helper", ""])
    expect(entries).toContainEqual(["core.hooksPath", "/dev/null"])
    expect(entries).toContainEqual(["submodule.recurse", "false"])
  })
})

describe("classifying git's stderr", () => {
  it.each([
    ["ssh: Could not resolve hostname nowhere: Name or service not known", "Unavailable"],
    ["ssh: connect to host 127.0.0.1 port 1: Connection refused", "Unavailable"],
    [
      "fatal: unable to access 'https://h/': Failed to connect to h port 443: Connection timed out",
      "Unavailable",
    ],
    [
      "remote: Invalid username or password.\nfatal: Authentication failed for 'https://h/x.git/'",
      "AuthFailed",
    ],
    ["git@h: Permission denied (publickey).\nfatal: Could not read from remote repository.", "AuthFailed"],
    ["Host key verification failed.\nfatal: Could not read from remote repository.", "HostKeyMismatch"],
    ["@@@\n@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @\nPermission denied", "HostKeyMismatch"],
    ["fatal: couldn't find remote ref refs/heads/gone", "RefNotFound"],
    ["warning: Remote branch gone not found in upstream origin", "RefNotFound"],
    ["something nobody has seen", "Unavailable"],
  ])("%j → %s", (stderr, reason) => {
    expect(reasonOf(stderr)).toBe(reason)
  })
})

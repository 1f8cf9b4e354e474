import { Redacted } from "effect"
import type { HttpServerRequest } from "effect/http"
import { describe, expect, it } from "vitest"
import type { DaemonStatus, SourceStatus } from "../../../src/domain/FleetStatus.ts"
import { isLoopback, sameOrigin, sessionCookie, uiAccess } from "../../../src/http/uiAccess.ts"
import { parseCommitSummary } from "../../../src/source/commitSummary.ts"
import { forgeCommitUrl } from "../../../src/ui/forgeCommitUrl.ts"
import { escapeHtml, html, trusted } from "../../../src/ui/html.ts"
import type { PageData } from "../../../src/ui/pageData.ts"
import { pageLayout } from "../../../src/ui/pageLayout.ts"
import { pageView } from "../../../src/ui/pageView.ts"

const evil = `<script>alert("x")</script>`
const sha = "0123456789abcdef0123456789abcdef01234567"

const source = (over: Partial<SourceStatus> = {}): SourceStatus => ({
  name: `src${evil}`,
  fleet: `fleet${evil}`,
  source: { kind: "git", location: "https://github.com/acme/fleet.git", ref: "main" },
  phase: "Degraded",
  lastAppliedRevision: sha,
  engine: { reachable: true, kind: "docker", version: "20.10" },
  lastPass: {
    id: 3,
    triggers: ["poll", "webhook"],
    startedAt: "2026-12-04T10:00:00.000Z",
    finishedAt: "2026-12-04T10:00:01.500Z",
    durationMs: 1500,
    result: "partial",
    changes: [{ service: `web${evil}`, outcome: "rolled-back", reason: `health gate failed ${evil}` }],
  },
  services: [
    {
      name: `web${evil}`,
      image: `img${evil}:v2`,
      container: "c-web",
      sync: "RolledBack",
      health: "Healthy",
      lastError: {
        at: "2026-12-04T10:00:01.000Z",
        message: `web--next is unhealthy ${evil}; rolled back\nlast log lines:\nboot ${evil}\nfatal: no config`,
        hooks: [
          {
            phase: "pre_deploy",
            step: 0,
            kind: "run",
            ok: false,
            exitCode: 2,
            durationMs: 12,
            outputTail: evil,
          },
        ],
      },
    },
    { name: "db", image: "postgres:16", sync: "Synced", health: "Healthy" },
  ],
  stalled: {
    revision: sha,
    reason: `invalid manifest ${evil}`,
    issues: [`fleet.yaml:12:5: services.app.no_such_field: unknown ${evil}`],
  },
  ...over,
})

const data = (s: SourceStatus = source()): PageData => {
  const status: DaemonStatus = { phase: s.phase, engine: s.engine, sources: [s] }
  return {
    status,
    passes: new Map([[s.name, s.lastPass === undefined ? [] : [s.lastPass]]]),
    commits: new Map([[sha, { subject: `fix ${evil}`, author: `Mallory ${evil}` }]]),
    canSync: true,
  }
}

describe("the html template", () => {
  it("escapes every interpolated value, in text and in attributes", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    )
    const out = html`<p title="${`" onmouseover="x`}">${evil}</p>`.text
    expect(out).toBe(
      `<p title="&quot; onmouseover=&quot;x">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>`,
    )
  })

  it("nests templates and arrays without escaping twice, and renders nothing for absent values", () => {
    const inner = html`<b>${"a&b"}</b>`
    expect(html`${[inner, "<i>", undefined, null, false, 0]}`.text).toBe("<b>a&amp;b</b>&lt;i&gt;0")
    expect(html`${trusted("<style>x</style>")}`.text).toBe("<style>x</style>")
  })
})

describe("the pages", () => {
  const noRawScript = (text: string) => expect(text).not.toMatch(/<script/i)

  it("overview: hostile names, errors and issues show as text, never as markup", () => {
    const view = pageView("/", data())
    if (view === undefined) throw new Error("no overview")
    noRawScript(view.main.text)
    expect(view.main.text).toContain("web&lt;script&gt;")
    expect(view.main.text).toContain("fleet.yaml:12:5: services.app.no_such_field")
    // The service's link encodes its parts.
    expect(view.main.text).toContain(
      `href="/services/${escapeHtml(encodeURIComponent(`src${evil}`))}/${escapeHtml(encodeURIComponent(`fleet${evil}`))}/${escapeHtml(encodeURIComponent(`web${evil}`))}"`,
    )
    expect(view.main.text).toContain(`href="https://github.com/acme/fleet/commit/${sha}"`)
    expect(view.main.text).toContain(">Sync now</button>")
    expect(view.main.text).toContain("<q>fix &lt;script&gt;")
    expect(view.main.text).toContain("by Mallory &lt;script&gt;")
  })

  it("overview: the signer of the verified revision, escaped; a refused signature with projects shows at the source", () => {
    const verified = {
      revision: sha,
      format: "openpgp" as const,
      fingerprint: "C1E5383E23A1467F099D4C16625B35D7F6D46D99",
      principal: `Bob ${evil}`,
      object: "tag" as const,
    }
    const view = pageView("/", data(source({ verified })))
    if (view === undefined) throw new Error("no overview")
    noRawScript(view.main.text)
    expect(view.main.text).toContain("<dt>Signed by</dt><dd>Bob &lt;script&gt;")
    expect(view.main.text).toContain("<code>C1E5383E23A1467F099D4C16625B35D7F6D46D99</code>")
    const refused = pageView(
      "/",
      data(
        source({
          projects: [],
          stalled: {
            revision: sha,
            reason: "commit is refused by --verify-commits: it is not signed",
            issues: [],
            unverified: true,
          },
        }),
      ),
    )
    expect(refused?.main.text).toContain("refused by --verify-commits: it is not signed")
  })

  it("the whole document has exactly the page's own script", () => {
    const view = pageView("/", data())
    if (view === undefined) throw new Error("no overview")
    const page = pageLayout(view.title, view.main, { live: true }).text
    expect(page.match(/<script/g)?.length).toBe(1)
  })

  it("service page: the log tail apart, hooks, all escaped", () => {
    const s = source()
    const view = pageView(
      `/services/${encodeURIComponent(s.name)}/${encodeURIComponent(s.fleet ?? "-")}/${encodeURIComponent(`web${evil}`)}`,
      data(s),
    )
    if (view === undefined) throw new Error("no service page")
    noRawScript(view.main.text)
    expect(view.main.text).toContain("Last log lines")
    expect(view.main.text).toMatch(/<pre class="log">boot &lt;script&gt;.*\nfatal: no config<\/pre>/)
    expect(view.main.text).toContain("x-fleetd.hooks.pre_deploy[0] (run)")
  })

  const servicePath = (s: SourceStatus, name: string) =>
    `/services/${encodeURIComponent(s.name)}/${encodeURIComponent(s.fleet ?? "-")}/${encodeURIComponent(name)}`

  it("service page: image id and digest, container and its published and exposed ports", () => {
    const s = source({
      services: [
        {
          name: "web",
          image: "app:v2",
          imageId: "sha256:0123456789abcdef0123456789abcdef",
          digest: "registry.example/app@sha256:feed",
          container: "f-web",
          ports: [
            { containerPort: 80, protocol: "tcp", hostIp: "127.0.0.1", hostPort: 8080 },
            { containerPort: 81, protocol: "udp", hostIp: "::", hostPort: 8081 },
            { containerPort: 82, protocol: "tcp", hostPort: 8082 },
            { containerPort: 9000, protocol: "tcp" },
          ],
          sync: "Synced",
          health: "Healthy",
        },
      ],
    })
    const text = pageView(servicePath(s, "web"), data(s))?.main.text ?? ""
    expect(text).toContain("<code>registry.example/app@sha256:feed</code>")
    expect(text).toContain(`title="sha256:0123456789abcdef0123456789abcdef">sha256:0123456789ab</code>`)
    expect(text).toContain("<code>f-web</code>")
    expect(text).toContain("<code>127.0.0.1:8080 → 80/tcp</code>")
    expect(text).toContain("<code>[::]:8081 → 81/udp</code>")
    expect(text).toContain("<code>0.0.0.0:8082 → 82/tcp</code>")
    expect(text).toMatch(/<code>9000\/tcp<\/code> <span class="muted">exposed<\/span>/)
  })

  it("service page on the swarm target: replicas, each task's node and state, the task error escaped", () => {
    const s = source({
      services: [
        {
          name: "web",
          image: "app:v2",
          container: "f_web",
          sync: "RolledBack",
          health: "Healthy",
          swarm: {
            running: 2,
            desired: 2,
            tasks: [
              { id: "t1", slot: 1, node: "node-a", state: "running", desiredState: "running" },
              {
                id: "t9abcdefabcdef",
                node: "node-b",
                state: "failed",
                desiredState: "shutdown",
                error: evil,
              },
            ],
            update: { state: "rollback_completed" },
          },
        },
      ],
    })
    const text = pageView(servicePath(s, "web"), data(s))?.main.text ?? ""
    expect(text).toContain("2/2 replicas running")
    expect(text).toMatch(/<code>web\.1<\/code><\/td>\s*<td>node-a<\/td>/)
    expect(text).toContain("(wanted shutdown)")
    expect(text).toContain(escapeHtml(evil))
    expect(text).not.toContain(evil)
  })

  it("service page: a policy block names the policy key that would allow each denied field", () => {
    const { stalled: _none, ...unstalled } = source()
    const s: SourceStatus = {
      ...unstalled,
      services: [
        {
          name: "web",
          image: "app:v2",
          sync: "Failed",
          health: "Missing",
          lastError: {
            at: "2026-12-04T10:00:01.000Z",
            message:
              "denied by operator policy: privileged: true is not allowed; allow it with allow.privileged: true in the policy file; " +
              "denied by operator policy: cap_add SYS_ADMIN is not allowed; allow it with allow.cap_add: [SYS_ADMIN] in the policy file",
          },
        },
      ],
    }
    const text = pageView(servicePath(s, "web"), data(s))?.main.text ?? ""
    expect(text).toContain("Blocked by the operator policy")
    expect(text).toContain(
      "<li><code>privileged: true</code> is not allowed: allow it with <code>allow.privileged: true</code> in the policy file</li>",
    )
    expect(text).toContain("allow it with <code>allow.cap_add: [SYS_ADMIN]</code>")
    expect(text).not.toContain("Stalled at revision")
  })

  it("service page: its fleet's stalled revision with file:line:col, the suspended reason, the revision rolling out", () => {
    const s = source({
      rollingOut: "fedcba9876543210fedcba9876543210fedcba98",
      services: [
        {
          name: "db",
          image: "postgres:16",
          sync: "Suspended",
          health: "Healthy",
          suspended: `migrating ${evil}`,
        },
      ],
    })
    const text = pageView(servicePath(s, "db"), data(s))?.main.text ?? ""
    noRawScript(text)
    expect(text).toContain("Stalled at revision")
    expect(text).toContain("<code>fleet.yaml:12:5: services.app.no_such_field: unknown &lt;script&gt;")
    expect(text).toContain("<dt>Suspended</dt><dd>migrating &lt;script&gt;")
    expect(text).toMatch(
      /<dt>Rolling out<\/dt><dd>.*<code title="fedcba9876543210fedcba9876543210fedcba98">fedcba987654<\/code>/s,
    )
  })

  it("overview: the revision rolling out, with its commit, and the notification targets' state, never a URL", () => {
    const s = source({ rollingOut: sha })
    const d = data(s)
    const text =
      pageView("/", {
        ...d,
        status: {
          ...d.status,
          notifications: [
            { target: "slack #1", failing: false, delivered: 3, dropped: 0 },
            {
              target: `json #2${evil}`,
              failing: true,
              since: "2026-12-04T10:00:00.000Z",
              lastError: `HTTP 500 ${evil}`,
              delivered: 0,
              dropped: 2,
            },
          ],
        },
      })?.main.text ?? ""
    noRawScript(text)
    expect(text).toMatch(
      /<dt>Rolling out<\/dt><dd>.*href="https:\/\/github.com\/acme\/fleet\/commit\/0123456789abcdef/s,
    )
    expect(text).toContain("Notifications")
    expect(text).toContain('<th scope="row">slack #1</th>')
    expect(text).toContain("json #2&lt;script&gt;")
    expect(text).toContain("HTTP 500 &lt;script&gt;")
    expect(text).toMatch(
      /<span class="badge bad">failed<\/span> since <time datetime="2026-12-04T10:00:00.000Z"/,
    )
    // Without targets, or without a pass rolling out, neither shows.
    const plain = pageView("/", data(source()))?.main.text ?? ""
    expect(plain).not.toContain("Notifications")
    expect(plain).not.toContain("Rolling out")
  })

  it("passes page lists each pass's trigger and change set", () => {
    const view = pageView("/passes", data())
    noRawScript(view?.main.text ?? "")
    expect(view?.main.text).toContain("poll, webhook")
    expect(view?.main.text).toContain("1.5 s")
    expect(view?.main.text).toContain("rolled-back")
  })

  it("unknown or malformed paths have no page", () => {
    expect(pageView("/services/a/b", data())).toBeUndefined()
    expect(pageView("/services/%E0%A4%A/x/y", data())).toBeUndefined()
    expect(pageView("/services/nope/x/y", data())).toBeUndefined()
    expect(pageView("/elsewhere", data())).toBeUndefined()
  })

  it("without FLEETD_UI_TOKEN the Sync now button is disabled and says why", () => {
    const view = pageView("/", { ...data(), canSync: false })
    expect(view?.main.text).toMatch(/disabled\s+title="Set FLEETD_UI_TOKEN/)
  })
})

describe("commit summaries", () => {
  it("reads git's subject and author, nothing from malformed output", () => {
    expect(parseCommitSummary("Fix the web port\x1fAda Lovelace\n")).toEqual({
      subject: "Fix the web port",
      author: "Ada Lovelace",
    })
    expect(parseCommitSummary("no separator\n")).toBeUndefined()
  })
})

describe("forge commit links", () => {
  it("knows GitHub, GitLab, Gitea-like hosts; nothing else, no credentials, no guesses", () => {
    expect(forgeCommitUrl("https://github.com/a/b.git", sha)).toBe(`https://github.com/a/b/commit/${sha}`)
    expect(forgeCommitUrl("https://gitlab.com/g/sub/p.git", sha)).toBe(
      `https://gitlab.com/g/sub/p/-/commit/${sha}`,
    )
    expect(forgeCommitUrl("https://codeberg.org/a/b", sha)).toBe(`https://codeberg.org/a/b/commit/${sha}`)
    expect(forgeCommitUrl("https://gitea.example.org/a/b.git", sha)).toBe(
      `https://gitea.example.org/a/b/commit/${sha}`,
    )
    expect(forgeCommitUrl("https://git.example.org/a/b.git", sha)).toBeUndefined()
    expect(forgeCommitUrl("git@github.com:a/b.git", sha)).toBeUndefined()
    expect(forgeCommitUrl("file:///tmp/repo", sha)).toBeUndefined()
    expect(forgeCommitUrl("https://github.com/a/b", "dir:abc")).toBeUndefined()
    expect(forgeCommitUrl("https://github.com/a", sha)).toBeUndefined()
  })
})

const request = (headers: Record<string, string>, cookies: Record<string, string> = {}) =>
  ({ headers, cookies }) as unknown as HttpServerRequest.HttpServerRequest

describe("the page's access rules", () => {
  const token = Redacted.make("ui-s3cret")

  it("loopback listeners only are open without a token", () => {
    expect(["127.0.0.1", "127.1.2.3", "::1", "localhost"].every(isLoopback)).toBe(true)
    expect(["0.0.0.0", "::", "10.0.0.1", "127.0.0.1.example"].some(isLoopback)).toBe(false)
    expect(uiAccess(undefined, "127.0.0.1").page(request({}))).toEqual({ _tag: "Granted" })
    expect(uiAccess(undefined, "0.0.0.0").page(request({}))).toMatchObject({ _tag: "Refused", status: 403 })
    // /status stays open without a token, as before the page.
    expect(uiAccess(undefined, "0.0.0.0").status(request({}))).toEqual({ _tag: "Granted" })
  })

  it("with a token: the bearer or the session cookie, which is not the token", () => {
    const access = uiAccess(token, "0.0.0.0")
    expect(access.page(request({}))).toMatchObject({ _tag: "Refused", status: 401 })
    expect(access.status(request({}))).toMatchObject({ _tag: "Refused", status: 401 })
    expect(access.page(request({ authorization: "Bearer ui-s3cret" }))).toEqual({ _tag: "Granted" })
    expect(access.page(request({ authorization: "Bearer wrong" }))).toMatchObject({ status: 401 })
    expect(access.sessionValue).toMatch(/^[0-9a-f]{64}$/)
    expect(access.sessionValue).not.toContain("ui-s3cret")
    expect(access.page(request({}, { [sessionCookie]: access.sessionValue ?? "" }))).toEqual({
      _tag: "Granted",
    })
    expect(access.page(request({}, { [sessionCookie]: "ui-s3cret" }))).toMatchObject({ status: 401 })
    expect(access.isToken("ui-s3cret")).toBe(true)
    expect(access.isToken("ui-s3cre")).toBe(false)
    // Another token, another session: rotating the token logs everyone out.
    expect(uiAccess(Redacted.make("other"), "0.0.0.0").sessionValue).not.toBe(access.sessionValue)
  })

  it("a session's sync must come from the page itself", () => {
    expect(sameOrigin(request({ "sec-fetch-site": "same-origin" }))).toBe(true)
    expect(sameOrigin(request({ "sec-fetch-site": "cross-site", origin: "http://h:1", host: "h:1" }))).toBe(
      false,
    )
    expect(sameOrigin(request({ origin: "http://127.0.0.1:8080", host: "127.0.0.1:8080" }))).toBe(true)
    expect(sameOrigin(request({ origin: "http://evil.example", host: "127.0.0.1:8080" }))).toBe(false)
    expect(sameOrigin(request({ origin: "null", host: "127.0.0.1:8080" }))).toBe(false)
    expect(sameOrigin(request({ host: "127.0.0.1:8080" }))).toBe(false)
  })
})

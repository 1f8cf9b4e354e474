import { describe, expect, it } from "vitest"
import { repositoryMatches } from "../../../src/triggers/webhooks/repositoryMatches.ts"

// What each forge's payload names for acme/shop (see the provider tests).
const github = [
  "acme/shop",
  "https://github.com/acme/shop.git",
  "git@github.com:acme/shop.git",
  "git://github.com/acme/shop.git",
  "https://github.com/acme/shop",
]
const gitlabSubgroup = [
  "acme/team/shop",
  "https://gitlab.example.com/acme/team/shop.git",
  "git@gitlab.example.com:acme/team/shop.git",
  "https://gitlab.example.com/acme/team/shop",
]
const bitbucketServer = [
  "ACME/shop",
  "ssh://git@bitbucket.example.com:7999/acme/shop.git",
  "https://bitbucket.example.com/scm/acme/shop.git",
]

describe("repositoryMatches", () => {
  it.each([
    // configured, named, matches
    ["acme/shop", github, true],
    ["ACME/Shop", github, true],
    ["acme/shop.git", github, true],
    ["acme/shop/", github, true],
    [" acme/shop ", github, true],
    ["https://github.com/acme/shop", github, true],
    ["https://GitHub.com/Acme/Shop.git/", github, true],
    ["http://github.com/acme/shop", github, true],
    ["git@github.com:acme/shop.git", github, true],
    ["ssh://git@github.com/acme/shop.git", github, true],
    ["ssh://git@github.com:22/acme/shop", github, true],
    ["https://token:x-oauth@github.com/acme/shop.git", github, true],
    ["https://github.com/acme/shop.git?ref=x", github, true],
    // Another owner, another name, another host.
    ["acme/shop2", github, false],
    ["other/shop", github, false],
    ["https://github.example.com/acme/shop.git", github, false],
    ["git@gitlab.com:acme/shop.git", github, false],
    // Never by suffix, never by name alone.
    ["shop", github, false],
    ["github.com/acme/shop", ["https://github.com/acme/shop"], false],
    ["acme/shop", ["evil/acme/shop", "https://github.com/evil/acme/shop.git"], false],
    ["acme/shop", ["https://github.com/acme/shop/evil"], false],
    ["https://github.com/acme/shop", ["https://github.com/evil/acme/shop"], false],
    // GitLab subgroups are written whole.
    ["acme/team/shop", gitlabSubgroup, true],
    ["https://gitlab.example.com/acme/team/shop.git", gitlabSubgroup, true],
    ["ssh://git@gitlab.example.com:2222/acme/team/shop.git", gitlabSubgroup, true],
    ["team/shop", gitlabSubgroup, false],
    ["acme/team", gitlabSubgroup, false],
    // Bitbucket Server: PROJECT/slug, and each clone link with its own path.
    ["acme/shop", bitbucketServer, true],
    ["https://bitbucket.example.com/scm/acme/shop.git", bitbucketServer, true],
    ["ssh://git@bitbucket.example.com:7999/acme/shop.git", bitbucketServer, true],
    ["https://bitbucket.example.com/acme/shop.git", bitbucketServer, true],
    // A configured URL meets a bare owner/name only when the payload gives no URL (generic hook).
    ["https://github.com/acme/shop.git", ["acme/shop"], true],
    ["https://github.com/acme/shop.git", ["acme/shop", "https://ghe.example.com/acme/shop.git"], false],
    // IPv6 literal hosts keep their brackets; the port still does not count.
    ["ssh://git@[::1]:2222/acme/shop.git", ["http://[::1]:3000/acme/shop.git"], true],
    ["ssh://git@[::1]:2222/acme/shop.git", ["http://[::2]:3000/acme/shop.git"], false],
    // Local repositories compare by path, case kept, never with a forge's names.
    ["file:///srv/git/shop.git", ["/srv/git/shop.git"], true],
    ["file:///srv/git/shop.git", ["file://localhost/srv/git/shop/"], true],
    ["file:///srv/git/Shop", ["/srv/git/shop"], false],
    ["file:///srv/git/acme/shop", ["acme/shop"], false],
    ["acme/shop", ["file:///srv/acme/shop"], false],
    // Nothing to compare.
    ["", github, false],
    ["https://github.com/", ["https://github.com/"], false],
    ["acme/shop", [], false],
    ["file:///", ["/"], false],
  ] as const)("%s against %j: %s", (configured, named, expected) => {
    expect(repositoryMatches(configured, named)).toBe(expected)
  })

  it("is not fooled by hostile names", () => {
    const long = `https://github.com/${"a/".repeat(5000)}acme/shop.git`
    expect(repositoryMatches("acme/shop", [long, "acme/shop\n", "acme/sh\u0000op", "acme/ѕhop"])).toBe(false)
  })
})

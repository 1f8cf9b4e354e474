import { describe, expect, it } from "vitest"
import { ownContainerId } from "../../src/config/ownContainerId.ts"

const id = "4fe7c7b2dd18923f228a7db19119e38d529dd52fa319a99039c247681e425065"
const reader = (files: Record<string, string>) => (path: string) => {
  const text = files[path]
  if (text === undefined) throw new Error(`ENOENT: ${path}`)
  return text
}

describe("the id of the container fleetd runs in", () => {
  it("reads Docker's from the files it bind-mounts from the container's directory", () => {
    const mountinfo = [
      "612 590 0:52 / / rw,relatime - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/X",
      `630 612 254:1 /var/lib/docker/containers/${id}/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda1 rw`,
      `631 612 254:1 /var/lib/docker/containers/${id}/hostname /etc/hostname rw,relatime - ext4 /dev/vda1 rw`,
    ].join("\n")
    expect(ownContainerId(reader({ "/proc/self/mountinfo": mountinfo }))).toBe(id)
  })

  it("reads Podman's from /run/.containerenv", () => {
    const env = `engine="podman-4.3.1"\nname="fleetd"\nid="${id}"\nimage="fleetd:1"\n`
    expect(ownContainerId(reader({ "/run/.containerenv": env }))).toBe(id)
  })

  it("says nothing outside a container", () => {
    expect(
      ownContainerId(reader({ "/proc/self/mountinfo": "22 1 254:1 / / rw - ext4 /dev/vda1 rw" })),
    ).toBeUndefined()
    expect(ownContainerId(reader({}))).toBeUndefined()
  })
})

import { describe, expect, it } from "vitest"
import { parseByteSize } from "../../../src/manifest/compose/byteSize.ts"
import { parseDuration } from "../../../src/manifest/compose/duration.ts"
import { parseEnvFile } from "../../../src/manifest/compose/envFile.ts"
import { formatShortPort, parseShortPort } from "../../../src/manifest/compose/portSpec.ts"
import { splitShell } from "../../../src/manifest/compose/shellSplit.ts"
import { formatShortVolume, parseShortVolume } from "../../../src/manifest/compose/volumeSpec.ts"

describe("Compose value syntax", () => {
  it.each([
    ["10s", 10e9],
    ["1m30s", 90e9],
    ["500ms", 5e8],
    ["1h", 3600e9],
    ["1.5s", 1.5e9],
    ["2us", 2000],
    ["0", 0],
    ["10", undefined],
    ["1x", undefined],
    ["", undefined],
  ])("reads duration %s", (text, ns) => expect(parseDuration(text)).toBe(ns))

  it.each([
    [1024, 1024],
    ["512m", 512 * 1024 ** 2],
    ["1g", 1024 ** 3],
    ["1GB", 1024 ** 3],
    ["64k", 65536],
    ["64kib", 65536],
    ["100", 100],
    ["lots", undefined],
    [-1, undefined],
  ])("reads size %s", (value, bytes) => expect(parseByteSize(value)).toBe(bytes))

  it.each([
    [80, [{ target: 80, protocol: "tcp" }]],
    ["80/udp", [{ target: 80, protocol: "udp" }]],
    ["8080:80", [{ target: 80, protocol: "tcp", published: 8080 }]],
    ["127.0.0.1:8080:80/udp", [{ target: 80, protocol: "udp", published: 8080, hostIp: "127.0.0.1" }]],
    ["127.0.0.1::80", [{ target: 80, protocol: "tcp", hostIp: "127.0.0.1" }]],
    ["[::1]:8080:80", [{ target: 80, protocol: "tcp", published: 8080, hostIp: "::1" }]],
    [
      "8000-8001:9000-9001",
      [
        { target: 9000, protocol: "tcp", published: 8000 },
        { target: 9001, protocol: "tcp", published: 8001 },
      ],
    ],
    ["0:80", "host port 0 is out of range 1-65535"],
    ["80-79", "container port range 80-79 ends before it starts"],
    ["a:b:c:d", '"a:b:c:d" is not [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]'],
  ])("reads port %s", (spec, expected) => expect(parseShortPort(spec)).toEqual(expected))

  it.each(["80/udp", "8080:80/tcp", "127.0.0.1::80/tcp", "[::1]:8080:80/tcp", "8000-8001:9000-9001/tcp"])(
    "writes back port %s as read",
    (spec) => {
      const bindings = parseShortPort(spec)
      if (typeof bindings === "string") throw new Error(bindings)
      expect(formatShortPort(bindings)).toBe(spec)
    },
  )

  it.each([
    ["data:/data", { type: "volume", source: "data", target: "/data", read_only: false }],
    ["/data", { type: "volume", target: "/data", read_only: false }],
    [
      "./conf:/conf:ro,z,rshared",
      {
        type: "bind",
        source: "./conf",
        target: "/conf",
        read_only: true,
        bind: { selinux: "z", propagation: "rshared" },
      },
    ],
    [
      "data:/data:nocopy",
      { type: "volume", source: "data", target: "/data", read_only: false, volume: { nocopy: true } },
    ],
    ["data:data", 'container path "data" must be absolute'],
  ])("reads volume %s in the long syntax's terms", (spec, expected) =>
    expect(parseShortVolume(spec)).toEqual(expected),
  )

  it.each(["data:/data", "/data", "./conf:/conf:ro,z,rshared", "data:/data:nocopy", "./c:/c:cached"])(
    "writes back volume %s as read",
    (spec) => {
      const mount = parseShortVolume(spec)
      if (typeof mount === "string") throw new Error(mount)
      expect(formatShortVolume(mount)).toBe(spec)
    },
  )

  it.each([
    ["httpd -f -p 8080", ["httpd", "-f", "-p", "8080"]],
    [`sh -c 'echo "hi there"; exit 0'`, ["sh", "-c", 'echo "hi there"; exit 0']],
    [`echo "a \\"b\\"" c\\ d`, ["echo", 'a "b"', "c d"]],
    ["  spaced   out  ", ["spaced", "out"]],
    ["echo 'open", { error: "unterminated single quote" }],
  ])("splits %s like a shell", (text, words) => expect(splitShell(text)).toEqual(words))

  it("reads env files: comments, export, quotes, inline comments, bad names", () => {
    const text =
      '# c\nexport A=1\nB=\'x # y\'\nC="line\\nnext"\nD=bare # note\nE\n1BAD=x\nF="open\ns3cr3t/t0ken\n'
    expect(parseEnvFile(text)).toEqual({
      entries: [
        { key: "A", value: "1" },
        { key: "B", value: "x # y" },
        { key: "C", value: "line\nnext" },
        { key: "D", value: "bare" },
      ],
      errors: [
        { line: 7, message: 'invalid variable name "1BAD"' },
        { line: 8, message: "unterminated quote in F" },
        { line: 9, message: "expected KEY=VALUE or a variable name" },
      ],
      unset: [],
    })
  })
})

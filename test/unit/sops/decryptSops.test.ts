/**
 * The SOPS reader against files the sops tool wrote (test/fixtures/sops/README.md says
 * where they come from and the one stanza added to each), and tampered variants.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { armor, Decrypter, generateX25519Identity, identityToRecipient } from "age-encryption"
import { describe, expect, it } from "vitest"
import { parseAgeIdentities } from "../../../src/sops/ageIdentities.ts"
import { decryptSops } from "../../../src/sops/decryptSops.ts"
import { encryptValue, writeSopsBinary } from "../../support/sopsWriter.ts"

const dir = join(import.meta.dirname, "../../fixtures/sops")
const fixture = (name: string) => readFileSync(join(dir, name), "utf8")
const identities = parseAgeIdentities(fixture("keys.txt")).identities
/** mockOtherIdentity of sops's age/keysource_test.go: a valid key the files are not encrypted for. */
const otherIdentity = "AGE-SECRET-KEY-1432K5YRNSC44GC4986NXMX6GVZ52WTMT9C79CLUVWYY4DKDHD5JSNDP4MC"
const decrypt = (text: string, name: string, ids = identities) => decryptSops(text, name, ids, "keys.txt")

describe("files written by sops", () => {
  it.each([
    ["format.enc.yaml", "foo: bar\n"],
    ["format.enc.json", '{\n\t"foo": "bar"\n}\n'],
    ["format.enc.env", "foo = bar\n"],
    ["comments.enc.yaml", "lorem: ipsum\ndolor: sit\n"],
  ])("%s decrypts to what sops -d prints", async (name, cleartext) => {
    expect(await decrypt(fixture(name), name)).toMatchObject({ _tag: "Decrypted", text: cleartext })
  })

  it("example.yaml: nested maps, lists, a float, bools and _unencrypted keys, under sops's MAC", async () => {
    const result = await decrypt(fixture("example.yaml"), "example.yaml")
    expect(result._tag).toBe("Decrypted")
    const text = result._tag === "Decrypted" ? result.text : ""
    for (const line of [
      "myapp1: t00m4nys3cr3tzupdated",
      "    user: eve",
      "    password: c4r1b0u",
      "number: 1234568000",
      "  - secretuser1",
      "  - true\n  - false",
      "  - because of the _unencrypted suffix in the key",
    ])
      expect(text).toContain(line)
    expect(text).toContain("-----BEGIN RSA PRIVATE KEY-----")
    expect(text).not.toContain("sops")
  })

  it("example.json and the binary store (example.txt)", async () => {
    const json = await decrypt(fixture("example.json"), "example.json")
    expect(json._tag === "Decrypted" && JSON.parse(json.text)).toMatchObject({
      firstName: "John",
      age: 25.4,
      address: { city: "New York" },
      phoneNumbers: [{ type: "home" }, { type: "office" }],
    })
    const binary = await decrypt(fixture("example.txt"), "example.txt")
    expect(binary).toMatchObject({ _tag: "Decrypted", format: "binary" })
    expect(binary._tag === "Decrypted" && binary.text.startsWith("Welcome to SOPS!\n")).toBe(true)
  })

  it("a binary file keeps its exact bytes, UTF-8 or not, under sops's MAC", async () => {
    const identity = await generateX25519Identity()
    const bytes = Uint8Array.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x0a, 0x41, 0xed, 0xa0, 0x80])
    const file = await writeSopsBinary(bytes, await identityToRecipient(identity))
    const result = await decrypt(file, "blob.bin", [identity])
    expect(result).toMatchObject({ _tag: "Decrypted", format: "binary" })
    expect(result._tag === "Decrypted" && [...result.bytes]).toEqual([...bytes])
    // Another file's MAC (over other bytes) is refused: the MAC is taken over these bytes.
    const other = await writeSopsBinary(Uint8Array.from([0xff, 0xfe]), await identityToRecipient(identity))
    const mac = (text: string) => /"mac": "([^"]+)"/.exec(text)![1]!
    const swapped = await decrypt(file.replace(mac(file), mac(other)), "blob.bin", [identity])
    expect(swapped).toMatchObject({ _tag: "SopsError" })
  })

  it("age-encryption opens sops's own age fixture (mockEncryptedKey, age/keysource_test.go)", async () => {
    const mockEncryptedKey = `-----BEGIN AGE ENCRYPTED FILE-----
YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBvY2t2NkdLUGRvY3l2OGNy
MVJWcUhCOEZrUG8yeCtnRnhxL0I5NFk4YjJFCmE4SVQ3MEdyZkFqRWpSa2F0NVhF
VDUybzBxdS9nSGpHSVRVMUI0UEVqZkkKLS0tIGJjeGhNQ0Y5L2VZRVVYSm90djFF
bzdnQ3UwTGljMmtrbWNMV1MxYkFzUFUK4xjOZOTGdcbzuwUY/zeBXhcF+Md3e5PQ
EylloI7MNGbadPGb
-----END AGE ENCRYPTED FILE-----`
    const d = new Decrypter()
    d.addIdentity(identities[0]!)
    expect(await d.decrypt(armor.decode(mockEncryptedKey), "text")).toBe("data")
  })
})

describe("refused files", () => {
  const yaml = fixture("format.enc.yaml")
  const dataKey = Buffer.from("af5e68dd342b72c6a0475f81a50da4fde898f4b7742c92cbcf1668211411f4e4", "hex")

  it("a wrong key names the file's recipients, at the age stanza", async () => {
    const result = await decrypt(yaml, "a.yaml", [otherIdentity])
    expect(result).toMatchObject({ _tag: "SopsError", at: { line: 4 } })
    expect(result._tag === "SopsError" && result.message).toMatch(
      /no age key in keys.txt can decrypt this file: it is encrypted for age1lzd99/,
    )
  })

  it("a file encrypted for other key services only says so", async () => {
    const pgpOnly = yaml.replace(/^ {4}age:\n(?: {8,}.*\n)+/m, "")
    const result = await decrypt(pgpOnly, "a.yaml")
    expect(result._tag === "SopsError" && result.message).toMatch(
      /no age recipient \(it is encrypted for pgp\)/,
    )
  })

  it("no key configured says which variable to set", async () => {
    const result = await decrypt(yaml, "a.yaml", [])
    expect(result._tag === "SopsError" && result.hint).toMatch(/FLEETD_AGE_KEY_FILE/)
  })

  it("an altered ciphertext is refused at its line", async () => {
    const tampered = yaml.replace("data:8CvE", "data:8CvF")
    expect(await decrypt(tampered, "a.yaml")).toMatchObject({
      _tag: "SopsError",
      at: { line: 1, column: 6 },
      message: expect.stringMatching(/value of foo does not decrypt/),
    })
  })

  it("a value moved to another key does not decrypt (its path is authenticated)", async () => {
    const moved = fixture("comments.enc.yaml").replace(
      /^lorem: (.*)\n(#.*\n)dolor: (.*)$/m,
      "lorem: $3\n$2dolor: $1",
    )
    expect(moved).not.toBe(fixture("comments.enc.yaml"))
    const result = await decrypt(moved, "a.yaml")
    expect(result._tag === "SopsError" && result.message).toMatch(/does not decrypt/)
  })

  it("a value re-encrypted under the right data key but not by sops fails the MAC", async () => {
    const forged = yaml.replace(/^foo: .*$/m, `foo: ${encryptValue(dataKey, "evil", "foo:")}`)
    const result = await decrypt(forged, "a.yaml")
    expect(result).toMatchObject({ _tag: "SopsError", message: expect.stringMatching(/MAC does not match/) })
    expect(result._tag === "SopsError" && result.at.line).toBe(
      forged.split("\n").findIndex((l) => l.includes("mac:")) + 1,
    )
  })

  it("an added value fails the MAC; so does a changed lastmodified", async () => {
    const added = yaml.replace(/^foo: .*$/m, (l) => `${l}\nbar: ${encryptValue(dataKey, "x", "bar:")}`)
    expect(await decrypt(added, "a.yaml")).toMatchObject({ message: expect.stringMatching(/MAC/) })
    const touched = yaml.replace(/lastmodified: "2026/, 'lastmodified: "2025')
    expect(await decrypt(touched, "a.yaml")).toMatchObject({ message: expect.stringMatching(/MAC/) })
  })

  it("a tampered dotenv line is refused at its line", async () => {
    const env = fixture("format.enc.env").replace(/data:XBV7lQ==/, "data:XBV7lA==")
    expect(await decrypt(env, "app.env")).toMatchObject({ _tag: "SopsError", at: { line: 1 } })
  })

  it("no error message quotes a cleartext", async () => {
    const forged = fixture("example.yaml").replace("data:tQ1l", "data:tQ1m")
    const result = await decrypt(forged, "example.yaml")
    expect(JSON.stringify(result)).not.toMatch(/eve|c4r1b0u|t00m4ny/)
    expect(result._tag === "SopsError" && result.message).toMatch(/app2\.db\.user/)
  })
})

describe("age key files", () => {
  it("reads identities, skips comments and reports bad lines by number only", () => {
    expect(parseAgeIdentities("# c\nAGE-SECRET-KEY-1ABC\n\nnot-a-key\n")).toEqual({
      identities: ["AGE-SECRET-KEY-1ABC"],
      badLines: [4],
    })
  })
})

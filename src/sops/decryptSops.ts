/**
 * Decrypts a SOPS file in memory with age identities, as `sops --decrypt` does: the
 * data key is unwrapped from the file's age stanzas, every `ENC[…]` value is opened
 * with its path as additional data, and the MAC (SHA-512 over the cleartext values in
 * order, stored encrypted with `lastmodified` as additional data) must match, so a
 * value edited, removed, reordered or moved is refused. The cleartext is returned
 * in the file's own format (what `sops -d` prints), never written anywhere.
 *
 * Errors quote positions and key names, never a value.
 */
import { createHash } from "node:crypto"
import {
  type Position,
  readSopsDocument,
  type SopsDocument,
  type SopsFormat,
  type SopsNode,
} from "./sopsDocument.ts"
import {
  goBool,
  isEncryptedValue,
  macBytes,
  openValue,
  parseEncryptedValue,
  pathData,
  plainMacBytes,
} from "./sopsValue.ts"

/** sops.go MACOnlyEncryptedInitialization: hashed first when only encrypted values count. */
const macOnlyEncryptedInitialization = Uint8Array.from([
  0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0x0b, 0x0b, 0x97,
  0x5b, 0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69,
])

export interface SopsError {
  readonly _tag: "SopsError"
  readonly message: string
  readonly at: Position
  readonly hint?: string
}

export interface Decrypted {
  readonly _tag: "Decrypted"
  readonly format: SopsFormat
  /** What `sops --decrypt` prints: the same format without the metadata. */
  readonly text: string
  /** The same, byte for byte: a binary file's own bytes, which need not be UTF-8 (`text` would mangle them). */
  readonly bytes: Uint8Array
}

const fail = (message: string, at: Position, hint?: string): SopsError => ({
  _tag: "SopsError",
  message,
  at,
  ...(hint === undefined ? {} : { hint }),
})

/**
 * The data key from the first age stanza one of `identities` opens. age-encryption
 * (and the curves and post-quantum code under it) loads here, on the first SOPS file:
 * a manifest without one, which is every `fleetd validate` or `plan` of most fleets,
 * never pays for loading it (bench/startup.ts).
 */
const unwrapDataKey = async (doc: SopsDocument, identities: ReadonlyArray<string>) => {
  const { armor, Decrypter } = await import("age-encryption")
  for (const stanza of doc.metadata.age) {
    const decrypter = new Decrypter()
    for (const identity of identities) decrypter.addIdentity(identity)
    try {
      const key = await decrypter.decrypt(armor.decode(stanza.enc.trim()))
      if (key.length === 32) return key
    } catch {
      // Not one of ours: try the next stanza.
    }
  }
  return undefined
}

type Plain = string | number | bigint | boolean | null | Uint8Array | PlainMap | ReadonlyArray<Plain>
interface PlainMap {
  readonly entries: ReadonlyArray<readonly [string, Plain]>
}

const typed = (cleartext: string, type: string): Plain => {
  switch (type) {
    case "int":
      return BigInt(cleartext)
    case "float":
      return Number(cleartext)
    case "bool":
      return goBool(cleartext) ?? cleartext
    default:
      return cleartext
  }
}

const decryptTree = (doc: SopsDocument, key: Uint8Array): { tree: PlainMap; mac: string } | SopsError => {
  const hash = createHash("sha512")
  if (doc.metadata.macOnlyEncrypted) hash.update(macOnlyEncryptedInitialization)
  let problem: SopsError | undefined
  const walk = (node: SopsNode, path: ReadonlyArray<string>): Plain => {
    if (problem !== undefined) return null
    if (node.kind === "map")
      return { entries: node.entries.map(([k, v]) => [k, walk(v, [...path, k])] as const) }
    if (node.kind === "seq") return node.items.map((item) => walk(item, path))
    const name = path.join(".")
    if (!isEncryptedValue(node.value)) {
      const bytes = plainMacBytes(node.value)
      if (!doc.metadata.macOnlyEncrypted && bytes !== undefined) hash.update(bytes)
      return node.value as Plain
    }
    const value = parseEncryptedValue(node.value)
    if (value === undefined) {
      problem = fail(`the encrypted value of ${name} is malformed`, node.at)
      return null
    }
    const clear = openValue(key, value, pathData(path))
    if (clear === undefined) {
      problem = fail(
        `the value of ${name} does not decrypt with the file's data key: it was altered, or moved from another key`,
        node.at,
        "encrypt the file again with sops rather than editing its ciphertext",
      )
      return null
    }
    const text = new TextDecoder().decode(clear)
    // sops hashes a string's bytes as Go holds them: the cleartext itself, UTF-8 or not.
    const bytes = value.type === "bytes" || value.type === "str" ? clear : macBytes(text, value.type)
    if (bytes === undefined) {
      problem = fail(`the value of ${name} is not a valid ${value.type}`, node.at)
      return null
    }
    hash.update(bytes)
    // The binary store's one value is the file itself: kept as bytes, never decoded.
    if (doc.format === "binary") return clear
    return value.type === "bytes" ? text : typed(text, value.type)
  }
  const tree = walk(doc.tree, []) as PlainMap
  return problem ?? { tree, mac: hash.digest("hex").toUpperCase() }
}

const jsonText = (value: Plain, indent: string): string => {
  if (value === null || typeof value === "boolean" || typeof value === "number") return JSON.stringify(value)
  if (typeof value === "bigint") return String(value)
  if (typeof value === "string") return JSON.stringify(value)
  if (value instanceof Uint8Array) return JSON.stringify(new TextDecoder().decode(value))
  const inner = `${indent}\t`
  if (Array.isArray(value))
    return value.length === 0
      ? "[]"
      : `[\n${value.map((v) => inner + jsonText(v, inner)).join(",\n")}\n${indent}]`
  const entries = (value as PlainMap).entries
  return entries.length === 0
    ? "{}"
    : `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${jsonText(v, inner)}`).join(",\n")}\n${indent}}`
}

const yamlValue = (value: Plain): unknown =>
  value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Uint8Array)
    ? new Map((value as PlainMap).entries.map(([k, v]) => [k, yamlValue(v)]))
    : Array.isArray(value)
      ? value.map(yamlValue)
      : value

const render = async (format: SopsFormat, tree: PlainMap): Promise<string | Uint8Array> => {
  switch (format) {
    case "binary": {
      const data = tree.entries[0]?.[1]
      return data instanceof Uint8Array || typeof data === "string" ? data : ""
    }
    case "dotenv":
      // As sops's dotenv store emits it: KEY=value, a newline written as \n.
      return tree.entries.map(([k, v]) => `${k}=${String(v).replaceAll("\n", "\\n")}\n`).join("")
    case "json":
      return `${jsonText(tree, "")}\n`
    case "yaml": {
      const { stringify } = await import("yaml")
      return stringify(yamlValue(tree))
    }
  }
}

/**
 * Decrypts `text` (named `name`, which tells its format as it does for sops) with
 * `identities` (AGE-SECRET-KEY-1… strings). `keyFile` names them in errors.
 */
export const decryptSops = async (
  text: string,
  name: string,
  identities: ReadonlyArray<string>,
  keyFile: string,
): Promise<Decrypted | SopsError> => {
  const doc = readSopsDocument(text, name)
  if ("_tag" in doc) return fail(doc.message, doc.at)
  const { metadata } = doc
  if (metadata.age.length === 0)
    return fail(
      `this SOPS file has no age recipient${metadata.others.length > 0 ? ` (it is encrypted for ${metadata.others.join(", ")})` : ""}; fleetd decrypts SOPS files with age keys only`,
      metadata.at,
      "add an age recipient: sops updatekeys, or sops --encrypt --age <recipient>",
    )
  if (identities.length === 0)
    return fail(
      "this file is encrypted with SOPS, and no age key is set to decrypt it",
      metadata.at,
      "point FLEETD_AGE_KEY_FILE (or SOPS_AGE_KEY_FILE) at the age key file on this host",
    )
  const key = await unwrapDataKey(doc, identities)
  if (key === undefined)
    return fail(
      `no age key in ${keyFile} can decrypt this file: it is encrypted for ${metadata.age.map((s) => s.recipient || "an unnamed recipient").join(", ")}`,
      metadata.age[0]!.at,
      "add this host's age recipient to the file (sops updatekeys), or use the key it was encrypted for",
    )
  const result = decryptTree(doc, key)
  if ("_tag" in result) return result
  const storedMac = parseEncryptedValue(metadata.mac)
  const clearMac = storedMac === undefined ? undefined : openValue(key, storedMac, metadata.lastmodified)
  if (clearMac === undefined || new TextDecoder().decode(clearMac) !== result.mac)
    return fail(
      "the file's MAC does not match its values: it was changed after sops encrypted it",
      metadata.macAt,
      "encrypt the file again with sops rather than editing it by hand",
    )
  const out = await render(doc.format, result.tree)
  return typeof out === "string"
    ? { _tag: "Decrypted", format: doc.format, text: out, bytes: new TextEncoder().encode(out) }
    : { _tag: "Decrypted", format: doc.format, text: new TextDecoder().decode(out), bytes: out }
}

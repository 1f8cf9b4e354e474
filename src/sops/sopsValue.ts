/**
 * One SOPS value, `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`, as sops's aes/cipher.go
 * writes it: AES-256-GCM under the file's data key, with a nonce of the IV's length
 * (sops uses 32 bytes) and the value's path joined by ":" plus a trailing ":" as
 * additional data, so a value moved to another key no longer decrypts.
 */
import { createDecipheriv } from "node:crypto"

export interface EncryptedValue {
  readonly data: Uint8Array
  readonly iv: Uint8Array
  readonly tag: Uint8Array
  readonly type: string
}

const pattern = /^ENC\[AES256_GCM,data:([^,]*),iv:([^,]*),tag:([^,]*),type:([a-z]+)\]$/

export const isEncryptedValue = (value: unknown): value is string =>
  typeof value === "string" && value.startsWith("ENC[AES256_GCM,")

export const parseEncryptedValue = (text: string): EncryptedValue | undefined => {
  const m = pattern.exec(text)
  if (m === null) return undefined
  const b64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"))
  return { data: b64(m[1]!), iv: b64(m[2]!), tag: b64(m[3]!), type: m[4]! }
}

/** The cleartext bytes, or undefined when the key, the path or the ciphertext is wrong. */
export const openValue = (key: Uint8Array, value: EncryptedValue, additionalData: string) => {
  if (value.iv.length === 0 || value.tag.length !== 16) return undefined
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, value.iv)
    decipher.setAAD(Buffer.from(additionalData, "utf8"))
    decipher.setAuthTag(value.tag)
    return new Uint8Array(Buffer.concat([decipher.update(value.data), decipher.final()]))
  } catch {
    return undefined
  }
}

/** The path as additional data: `a:b:` for `a.b` (list items add nothing, as in sops). */
export const pathData = (path: ReadonlyArray<string>) => path.map((p) => `${p}:`).join("")

/** Go's strconv.FormatFloat(f, 'f', -1, 64): the shortest digits, never an exponent. */
const formatFloat = (f: number) => {
  const s = String(f)
  if (!/e/i.test(s)) return s
  const [mantissa, exp] = s.split(/e/i) as [string, string]
  const negative = mantissa.startsWith("-")
  const [int, frac = ""] = mantissa.replace("-", "").split(".") as [string, string?]
  const digits = int + frac
  const point = int.length + Number(exp)
  const body =
    point <= 0
      ? `0.${"0".repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + "0".repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`
  return (negative ? "-" : "") + body
}

/**
 * The bytes sops's MAC hashes for a cleartext (sops.go ToBytes): the value sops parsed
 * back to its type, printed the Go way. `undefined` is a type sops cannot hash.
 */
export const macBytes = (cleartext: string, type: string): string | undefined => {
  switch (type) {
    case "str":
    case "bytes":
    case "time":
      return cleartext
    case "int":
      return /^[+-]?\d+$/.test(cleartext) ? String(BigInt(cleartext)) : undefined
    case "float": {
      const f = Number(cleartext)
      return cleartext.trim() === "" || Number.isNaN(f) ? undefined : formatFloat(f)
    }
    case "bool": {
      const b = goBool(cleartext)
      return b === undefined ? undefined : b ? "True" : "False"
    }
    default:
      return undefined
  }
}

/** Go's strconv.ParseBool. */
export const goBool = (s: string): boolean | undefined =>
  ["1", "t", "T", "TRUE", "true", "True"].includes(s)
    ? true
    : ["0", "f", "F", "FALSE", "false", "False"].includes(s)
      ? false
      : undefined

/** The MAC bytes of a value kept in clear (an `_unencrypted` key), as sops's YAML/JSON stores parse it. */
export const plainMacBytes = (value: unknown): string | undefined =>
  typeof value === "string"
    ? value
    : typeof value === "boolean"
      ? value
        ? "True"
        : "False"
      : typeof value === "number"
        ? formatFloat(value)
        : typeof value === "bigint"
          ? String(value)
          : undefined

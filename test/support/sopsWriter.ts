/**
 * A minimal SOPS writer for tests, the mirror of src/sops/decryptSops.ts: the e2e test
 * needs files encrypted here because the `sops` binary is not available on these
 * machines. Its output is trusted only because the reader it feeds is proven against
 * files the real sops wrote (test/unit/sops/decryptSops.test.ts and
 * test/fixtures/sops/README.md).
 */
import { createCipheriv, createHash, randomBytes } from "node:crypto"
import { armor, Encrypter } from "age-encryption"

/** The data key wrapped for an age recipient, armored as sops stores it. */
export const ageStanza = async (dataKey: Uint8Array, recipient: string) => {
  const e = new Encrypter()
  e.addRecipient(recipient)
  return armor.encode(await e.encrypt(dataKey))
}

export const encryptValue = (key: Uint8Array, clear: string | Uint8Array, aad: string, type = "str") => {
  const iv = randomBytes(32)
  const c = createCipheriv("aes-256-gcm", key, iv)
  c.setAAD(Buffer.from(aad, "utf8"))
  const data = Buffer.concat([
    c.update(typeof clear === "string" ? Buffer.from(clear, "utf8") : clear),
    c.final(),
  ])
  const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64")
  return `ENC[AES256_GCM,data:${b64(data)},iv:${b64(iv)},tag:${b64(c.getAuthTag())},type:${type}]`
}

/** A dotenv file as `sops --encrypt` writes it, for one age recipient. */
export const writeSopsDotenv = async (
  entries: ReadonlyArray<readonly [string, string]>,
  recipient: string,
  dataKey: Uint8Array = randomBytes(32),
) => {
  const lastmodified = new Date().toISOString().replace(/\.\d+Z$/, "Z")
  const mac = createHash("sha512")
  for (const [, v] of entries) mac.update(v)
  const lines = entries.map(([k, v]) => `${k}=${encryptValue(dataKey, v, `${k}:`)}`)
  const enc = (await ageStanza(dataKey, recipient)).trimEnd().replaceAll("\n", "\\n")
  lines.push(
    `sops_age__list_0__map_enc=${enc}`,
    `sops_age__list_0__map_recipient=${recipient}`,
    `sops_lastmodified=${lastmodified}`,
    `sops_mac=${encryptValue(dataKey, mac.digest("hex").toUpperCase(), lastmodified)}`,
    "sops_unencrypted_suffix=_unencrypted",
    "sops_version=3.9.0",
  )
  return `${lines.join("\n")}\n`
}

/**
 * A file as `sops --encrypt --input-type binary` writes it: JSON whose `data` is the whole
 * file (any bytes, UTF-8 or not), for one age recipient.
 */
export const writeSopsBinary = async (
  content: Uint8Array,
  recipient: string,
  dataKey: Uint8Array = randomBytes(32),
) => {
  const lastmodified = new Date().toISOString().replace(/\.\d+Z$/, "Z")
  const mac = createHash("sha512").update(content).digest("hex").toUpperCase()
  return `${JSON.stringify(
    {
      data: encryptValue(dataKey, content, "data:"),
      sops: {
        age: [{ recipient, enc: await ageStanza(dataKey, recipient) }],
        lastmodified,
        mac: encryptValue(dataKey, mac, lastmodified),
        unencrypted_suffix: "_unencrypted",
        version: "3.9.0",
      },
    },
    null,
    "\t",
  )}\n`
}

/**
 * What `git verify-commit --raw` / `git verify-tag --raw` said, read into a signer or
 * the reason it is refused. git runs ssh-keygen (SSH signatures) or gpg (OpenPGP) and
 * passes their output through on stderr: ssh-keygen's sentences, gpg's `[GNUPG:]`
 * status lines (doc/DETAILS in GnuPG). The exit code alone is not trusted: a signer is
 * accepted only when git exited 0 and the output names a good signature.
 */
import type { Signer } from "./ManifestSource.ts"

export type Verification =
  | { readonly _tag: "Verified"; readonly signer: Omit<Signer, "object"> }
  | { readonly _tag: "Refused"; readonly why: string }

/** `Good "git" signature for alice@example.com with ED25519 key SHA256:...` */
const sshGood = /^Good "git" signature for (.+) with (\S+) key (SHA256:[A-Za-z0-9+/=]+)\s*$/m
/** Printed when the key is not in allowed_signers: the signature itself is sound. */
const sshUnknown = /^Good "git" signature with (\S+) key (SHA256:[A-Za-z0-9+/=]+)/m

const statusLines = (output: string): Map<string, string> => {
  const lines = new Map<string, string>()
  for (const line of output.split("\n")) {
    const match = /^\[GNUPG:\] (\S+) ?(.*)$/.exec(line.trim())
    if (match?.[1] !== undefined && !lines.has(match[1])) lines.set(match[1], match[2] ?? "")
  }
  return lines
}

const readOpenPgp = (exitCode: number, output: string): Verification => {
  const status = statusLines(output)
  const keyId = (name: string) => status.get(name)?.split(" ")[0] ?? "?"
  if (status.has("BADSIG"))
    return {
      _tag: "Refused",
      why: `its OpenPGP signature (key ${keyId("BADSIG")}) does not match its content: it was altered after signing, or the signature belongs to something else`,
    }
  if (status.has("NO_PUBKEY") || status.has("ERRSIG")) {
    const missing = status.has("NO_PUBKEY")
    // ERRSIG's last field, when given, is the signer's full fingerprint.
    const fields = (status.get("ERRSIG") ?? "").split(" ")
    const fingerprint =
      fields.length >= 7 && /^[0-9A-F]{40,64}$/i.test(fields[6] ?? "") ? fields[6] : undefined
    return {
      _tag: "Refused",
      why: missing
        ? `it is signed by an OpenPGP key that is not in the keys file (key ${fingerprint ?? keyId("NO_PUBKEY")})`
        : `its OpenPGP signature could not be checked (key ${fingerprint ?? keyId("ERRSIG")})`,
    }
  }
  for (const [name, what] of [
    ["EXPKEYSIG", "by an expired key"],
    ["REVKEYSIG", "by a revoked key"],
    ["EXPSIG", "with an expired signature"],
  ] as const)
    if (status.has(name)) return { _tag: "Refused", why: `it is signed ${what} (key ${keyId(name)})` }
  const good = status.get("GOODSIG")
  const valid = status.get("VALIDSIG")
  if (exitCode === 0 && good !== undefined && valid !== undefined) {
    const fields = valid.split(" ")
    // VALIDSIG's 10th field is the primary key's fingerprint (the signing subkey's is the 1st).
    const fingerprint = fields[9] ?? fields[0] ?? ""
    const principal = good.split(" ").slice(1).join(" ")
    if (/^[0-9A-F]{40,64}$/i.test(fingerprint))
      return {
        _tag: "Verified",
        signer: { format: "openpgp", fingerprint: fingerprint.toUpperCase(), principal },
      }
  }
  return { _tag: "Refused", why: "its OpenPGP signature was not accepted by gpg" }
}

const readSsh = (exitCode: number, output: string): Verification => {
  const good = sshGood.exec(output)
  if (exitCode === 0 && good?.[1] !== undefined && good[3] !== undefined)
    return { _tag: "Verified", signer: { format: "ssh", fingerprint: good[3], principal: good[1] } }
  const unknown = sshUnknown.exec(output)
  if (unknown !== undefined && unknown !== null)
    return {
      _tag: "Refused",
      why: `it is signed by an SSH key that is not in the allowed_signers file (${unknown[1]} key ${unknown[2]})`,
    }
  if (/incorrect signature|Could not verify signature/i.test(output))
    return {
      _tag: "Refused",
      why: "its SSH signature does not match its content: it was altered after signing, or the signature belongs to something else",
    }
  return {
    _tag: "Refused",
    why: `its SSH signature was not accepted: ${output.trim().split("\n").slice(0, 3).join("; ") || "no reason given"}`,
  }
}

/**
 * `exitCode` and the combined output of git's verify command; `signed` is whether the
 * object carries a signature at all (git prints nothing for an unsigned one).
 */
export const readVerification = (exitCode: number, output: string, signed: boolean): Verification => {
  if (!signed) return { _tag: "Refused", why: "it is not signed" }
  if (/^\[GNUPG:\] /m.test(output)) return readOpenPgp(exitCode, output)
  return readSsh(exitCode, output)
}

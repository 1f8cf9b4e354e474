import { describe, expect, it } from "vitest"
import { readVerification } from "../../../src/source/readVerification.ts"
import { keysFormat } from "../../../src/source/verifyRevision.ts"

// Output of git 2.39 `verify-commit --raw` (ssh-keygen 9.2, gpg 2.2), as captured.
const fpr = "C1E5383E23A1467F099D4C16625B35D7F6D46D99"
const gpgGood = `[GNUPG:] NEWSIG
[GNUPG:] KEY_CONSIDERED ${fpr} 0
[GNUPG:] SIG_ID 1iNvBis11i6BctfbnnBuP9dCc4A 2026-12-04 1796387205
[GNUPG:] GOODSIG 625B35D7F6D46D99 Bob <bob@example.com>
[GNUPG:] VALIDSIG 1111111111111111111111111111111111111111 2026-12-04 1796387205 0 4 0 22 8 00 ${fpr}
[GNUPG:] TRUST_UNDEFINED 0 pgp
`

describe("readVerification", () => {
  it("reads an SSH signer: principal and key fingerprint", () => {
    expect(
      readVerification(
        0,
        'Good "git" signature for alice@example.com with ED25519 key SHA256:oRBE0JbExAU6FhB/pIlInWj2PX9xaCUUuDnnShdFW5o\n',
        true,
      ),
    ).toEqual({
      _tag: "Verified",
      signer: {
        format: "ssh",
        fingerprint: "SHA256:oRBE0JbExAU6FhB/pIlInWj2PX9xaCUUuDnnShdFW5o",
        principal: "alice@example.com",
      },
    })
  })

  it("reads an OpenPGP signer: the primary key's fingerprint (not the subkey's) and the user id", () => {
    expect(readVerification(0, gpgGood, true)).toEqual({
      _tag: "Verified",
      signer: { format: "openpgp", fingerprint: fpr, principal: "Bob <bob@example.com>" },
    })
  })

  it("trusts no good-looking output when git failed", () => {
    expect(readVerification(1, gpgGood, true)._tag).toBe("Refused")
    expect(readVerification(1, 'Good "git" signature for a@b with ED25519 key SHA256:abc\n', true)._tag).toBe(
      "Refused",
    )
  })

  it.each([
    ["unsigned", 1, "", false, "it is not signed"],
    [
      "an SSH key not in allowed_signers",
      1,
      'Good "git" signature with ED25519 key SHA256:VSphsh2i6QNrSAvXCLxGqy1jM340O1dUX/IWEEUmLG0\nNo principal matched.\n',
      true,
      "signed by an SSH key that is not in the allowed_signers file (ED25519 key SHA256:VSphsh2i6QNrSAvXCLxGqy1jM340O1dUX/IWEEUmLG0)",
    ],
    [
      "a forged SSH signature",
      1,
      "Could not verify signature.\nSignature verification failed: incorrect signature\n",
      true,
      "its SSH signature does not match its content",
    ],
    [
      "an OpenPGP key not in the file",
      1,
      `[GNUPG:] NEWSIG\n[GNUPG:] ERRSIG 625B35D7F6D46D99 22 8 00 1796387205 9 ${fpr}\n[GNUPG:] NO_PUBKEY 625B35D7F6D46D99\n`,
      true,
      `signed by an OpenPGP key that is not in the keys file (key ${fpr})`,
    ],
    [
      "a forged OpenPGP signature",
      1,
      "[GNUPG:] NEWSIG\n[GNUPG:] BADSIG 625B35D7F6D46D99 Bob <bob@example.com>\n",
      true,
      "its OpenPGP signature (key 625B35D7F6D46D99) does not match its content",
    ],
    [
      "an expired OpenPGP key",
      1,
      "[GNUPG:] NEWSIG\n[GNUPG:] EXPKEYSIG 625B35D7F6D46D99 Bob <bob@example.com>\n",
      true,
      "signed by an expired key (key 625B35D7F6D46D99)",
    ],
    [
      "a revoked OpenPGP key, even if git exits 0",
      0,
      "[GNUPG:] NEWSIG\n[GNUPG:] REVKEYSIG 625B35D7F6D46D99 Bob <bob@example.com>\n",
      true,
      "signed by a revoked key",
    ],
  ] as const)("refuses %s, saying why", (_, code, output, signed, why) => {
    const result = readVerification(code, output, signed)
    expect(result._tag).toBe("Refused")
    expect(result._tag === "Refused" ? result.why : "").toContain(why)
  })
})

describe("keysFormat", () => {
  it("tells armored OpenPGP keys from an allowed_signers file by content", () => {
    expect(keysFormat("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ...\n")).toBe("openpgp")
    expect(keysFormat("alice@example.com ssh-ed25519 AAAAC3Nza...\n")).toBe("ssh")
  })
})

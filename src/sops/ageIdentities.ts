/**
 * The age identities of a key file as age and sops read it (`age-keygen` output):
 * one `AGE-SECRET-KEY-1…` per line, `#` comments and blank lines skipped. A line that
 * is neither is reported by number, never quoted (it may be key material).
 */
export const parseAgeIdentities = (
  text: string,
): { readonly identities: ReadonlyArray<string>; readonly badLines: ReadonlyArray<number> } => {
  const identities: Array<string> = []
  const badLines: Array<number> = []
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim()
    if (line === "" || line.startsWith("#")) continue
    if (/^AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]+$/.test(line)) identities.push(line)
    else badLines.push(i + 1)
  }
  return { identities, badLines }
}

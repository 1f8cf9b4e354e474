/**
 * Splits a `command`/`entrypoint` string the way Compose does (go-shellwords /
 * python shlex in POSIX mode): whitespace separates words, single quotes are
 * literal, double quotes allow `\"` and `\\`, a backslash outside quotes escapes the
 * next character. No expansion happens here: interpolation already ran.
 */
export const splitShell = (text: string): ReadonlyArray<string> | { readonly error: string } => {
  const words: Array<string> = []
  let word = ""
  let inWord = false
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (c === "'") {
      const end = text.indexOf("'", i + 1)
      if (end < 0) return { error: "unterminated single quote" }
      word += text.slice(i + 1, end)
      inWord = true
      i = end + 1
    } else if (c === '"') {
      i++
      for (;;) {
        if (i >= text.length) return { error: "unterminated double quote" }
        const d = text[i]!
        if (d === '"') break
        if (d === "\\" && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) {
          word += text[i + 1]
          i += 2
        } else {
          word += d
          i++
        }
      }
      inWord = true
      i++
    } else if (c === "\\") {
      if (i + 1 >= text.length) return { error: "trailing backslash" }
      word += text[i + 1]
      inWord = true
      i += 2
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word)
      word = ""
      inWord = false
      i++
    } else {
      word += c
      inWord = true
      i++
    }
  }
  if (inWord) words.push(word)
  return words
}

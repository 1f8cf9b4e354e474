/**
 * A pure string function remembered for the inputs it has seen, up to `limit` of them
 * (then it starts over, so a long-running daemon whose fleet keeps changing holds at
 * most `limit` entries). For functions a pass calls once per service with inputs that
 * repeat from pass to pass: a 1,000-service no-op pass hashed 1,000 specs and parsed
 * 1,000 image references every second to get the same answers (bench/scale.ts).
 * Only for pure functions: the result must depend on the argument alone.
 */
export const boundedMemo = (f: (input: string) => string, limit: number): ((input: string) => string) => {
  const known = new Map<string, string>()
  return (input) => {
    const hit = known.get(input)
    if (hit !== undefined) return hit
    const result = f(input)
    if (known.size >= limit) known.clear()
    known.set(input, result)
    return result
  }
}

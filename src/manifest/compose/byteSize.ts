/**
 * Compose memory sizes (`mem_limit`): a byte count, or a number with a binary unit
 * suffix as docker/go-units `RAMInBytes` reads it (`512m`, `1g`, `1.5gb`, `64k`);
 * the suffix is case-insensitive and `k`, `kb` and `kib` all mean 1024.
 */
const multipliers: Readonly<Record<string, number>> = {
  "": 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
}

const sizePattern = /^(\d+(?:\.\d+)?)\s*([kmgtpb]?)(?:i?b)?$/i

/** Bytes, or undefined when `value` is not a size. */
export const parseByteSize = (value: string | number): number | undefined => {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value : undefined
  const match = sizePattern.exec(value.trim())
  if (match === null) return undefined
  const [, amount, unit] = match
  const bytes = Math.floor(Number(amount) * (multipliers[(unit ?? "").toLowerCase()] ?? Number.NaN))
  return Number.isSafeInteger(bytes) ? bytes : undefined
}

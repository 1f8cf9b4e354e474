/**
 * The last `capacity` delivery ids seen, oldest evicted first. A forge retries a
 * delivery it thinks failed, and an attacker may replay a captured one; either way a
 * second copy must not start a pass. Bounded, so a flood of ids cannot grow memory.
 */
export class RecentDeliveries {
  // A Map iterates in insertion order: its first key is the oldest.
  private readonly seen = new Map<string, true>()

  private readonly capacity: number

  constructor(capacity: number) {
    this.capacity = capacity
  }

  /** Records `id`; false when it was already among the recent ones. Check and record are one step. */
  remember(id: string): boolean {
    if (this.seen.has(id)) {
      // Refresh: a delivery replayed again and again stays remembered.
      this.seen.delete(id)
      this.seen.set(id, true)
      return false
    }
    this.seen.set(id, true)
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.keys().next()
      if (!oldest.done) this.seen.delete(oldest.value)
    }
    return true
  }

  get size(): number {
    return this.seen.size
  }
}

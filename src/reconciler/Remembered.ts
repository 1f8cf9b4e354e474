import { Effect, Ref } from "effect"

/**
 * A value the daemon keeps from one pass to the next, read and replaced whole, never
 * changed in place. The reconciler writes through it as it learns (not only at the
 * end): a pass stopped between two actions leaves what it had written so far.
 */
export interface Remembered<A> {
  readonly get: Effect.Effect<A>
  readonly update: (f: (value: A) => A) => Effect.Effect<void>
}

/** A Remembered value kept in a Ref of its own. */
export const rememberedIn = <A>(ref: Ref.Ref<A>): Remembered<A> => ({
  get: Ref.get(ref),
  update: (f) => Ref.update(ref, f),
})

/** A Remembered value of its own, starting at `initial`. */
export const remembered = <A>(initial: A) => Effect.map(Ref.make(initial), rememberedIn)

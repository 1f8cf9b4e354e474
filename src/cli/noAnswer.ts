import type { UnknownError } from "effect/Cause"

/** What `fleetd status` and `fleetd sync` say when the daemon did not answer: what, where, what to do. */
export const noAnswer = (command: string, endpoint: string, failure: UnknownError) => {
  const cause = failure.cause instanceof Error ? failure.cause.message : String(failure.cause)
  return `fleetd ${command}: no answer from ${endpoint} (${cause}). Is \`fleetd run\` running there? Use --url to point at it.`
}

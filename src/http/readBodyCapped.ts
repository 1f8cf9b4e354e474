import { Data, Duration, Effect, Stream } from "effect"

export class BodyTooLarge extends Data.TaggedError("BodyTooLarge")<{ readonly limit: number }> {}
export class BodyTimeout extends Data.TaggedError("BodyTimeout")<{ readonly after: Duration.Duration }> {}
export class BodyReadFailed extends Data.TaggedError("BodyReadFailed")<{ readonly cause: unknown }> {}

/**
 * Reads a request body into memory, failing as soon as more than `maxBytes` have
 * arrived (a chunked or lying sender never makes us buffer past the cap) and when
 * the whole body takes longer than `timeout` (a slow sender cannot hold a handler
 * for ever). Stopping early leaves the rest unread; the server closes the connection
 * after the response.
 */
export const readBodyCapped = <E>(
  body: Stream.Stream<Uint8Array, E>,
  maxBytes: number,
  timeout: Duration.Input,
): Effect.Effect<Uint8Array, BodyTooLarge | BodyTimeout | BodyReadFailed> =>
  Effect.suspend(() => {
    const chunks: Array<Uint8Array> = []
    let total = 0
    return Stream.runForEach(
      Stream.mapError(body, (cause) => new BodyReadFailed({ cause })),
      (chunk) => {
        total += chunk.byteLength
        if (total > maxBytes) return Effect.fail(new BodyTooLarge({ limit: maxBytes }))
        chunks.push(chunk)
        return Effect.void
      },
    ).pipe(
      Effect.timeoutOrElse({
        duration: timeout,
        orElse: () => Effect.fail(new BodyTimeout({ after: Duration.fromInputUnsafe(timeout) })),
      }),
      Effect.map(() => Buffer.concat(chunks, total)),
    )
  })

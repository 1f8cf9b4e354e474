import type { AnnouncedDigest } from "../../registry/Registry.ts"

/**
 * What a provider's pure logic decides about one delivery. The HTTP route maps it to a
 * status code; nothing here performs I/O.
 *
 * - `Accepted`: authenticated, and the event moves the tracked ref: request a pass.
 * - `Ignored`: authenticated, but nothing fleetd follows changed (another branch, a tag,
 *   an unhandled event). Answered 2xx: GitLab disables hooks that keep getting 4xx.
 * - `ImagesPushed`: authenticated; a registry or forge says these images were pushed
 *   (normalized references). The route requests a pass only if a service tracks one.
 * - `Pong`: authenticated ping (GitHub `ping`, Bitbucket Server `diagnostics:ping`).
 * - `Unauthorized`: missing or wrong credentials; decided before any JSON is parsed.
 * - `BadRequest`: authenticated, but the body or an event header is malformed.
 *
 * `repository` on `Accepted` and `Ignored`: every name the payload gives for the
 * repository it is about (`acme/shop`, its clone and web URLs), validated and bounded by
 * `repositoryNames`; absent when the payload names none. At the shared
 * `/hooks/<provider>` URL it selects the source(s) (`routeDelivery`).
 */
export type Verdict =
  | {
      readonly _tag: "Accepted"
      /** The full ref that moved (`refs/heads/main`), or undefined when the event names none (generic). */
      readonly ref: string | undefined
      readonly deliveryId: string | undefined
      readonly repository?: ReadonlyArray<string>
    }
  | {
      readonly _tag: "ImagesPushed"
      readonly images: ReadonlyArray<string>
      readonly deliveryId: string | undefined
      /**
       * Image → the digest the sender says it now has, and when (epoch ms), when it says
       * so. The Docker registry notifies before it moves the tag: asking it back at once
       * can still give the old digest.
       */
      readonly digests?: Readonly<Record<string, AnnouncedDigest>>
    }
  | { readonly _tag: "Ignored"; readonly reason: string; readonly repository?: ReadonlyArray<string> }
  | { readonly _tag: "Pong" }
  | { readonly _tag: "Unauthorized"; readonly reason: string }
  | { readonly _tag: "BadRequest"; readonly reason: string }

export const Verdict = {
  accepted: (ref: string | undefined, deliveryId: string | undefined): Verdict => ({
    _tag: "Accepted",
    ref,
    deliveryId,
  }),
  /** No image at all (a layer push, an untagged version) is Ignored, not an empty push. */
  imagesPushed: (
    images: ReadonlyArray<string>,
    deliveryId: string | undefined,
    what: string,
    digests: Readonly<Record<string, AnnouncedDigest>> = {},
  ): Verdict =>
    images.length === 0
      ? { _tag: "Ignored", reason: `${what} names no tagged image` }
      : { _tag: "ImagesPushed", images, deliveryId, ...(Object.keys(digests).length > 0 ? { digests } : {}) },
  ignored: (reason: string): Verdict => ({ _tag: "Ignored", reason }),
  pong: { _tag: "Pong" } as Verdict,
  unauthorized: (reason: string): Verdict => ({ _tag: "Unauthorized", reason }),
  badRequest: (reason: string): Verdict => ({ _tag: "BadRequest", reason }),
  /**
   * `verdict` with the repository names its payload gives (`Accepted` and `Ignored`
   * only; the key stays absent when there are none, so a verdict reads the same as before).
   */
  naming: (verdict: Verdict, repository: ReadonlyArray<string>): Verdict =>
    repository.length > 0 && (verdict._tag === "Accepted" || verdict._tag === "Ignored")
      ? { ...verdict, repository }
      : verdict,
} as const

import { Effect, Layer } from "effect"
import { Labels } from "../domain/labels.ts"
import type { ObservedContainer, ObservedImage } from "../domain/ObservedState.ts"
import { ContainerEngine } from "../engine/ContainerEngine.ts"

/**
 * One engine listing serving every project of a pass. Without it N projects cost 2N list
 * calls a pass; with it, one list of every managed container and one image list, both
 * taken at the start of the pass. A fleet's containers are served from the listing
 * once (its first observation: no other project touches them, as no two projects may
 * share a container name); a later call asks the engine. Images are served from the
 * listing until something pulls or builds, and from a fresh listing after that.
 */
export const sharedListings = (
  containers: ReadonlyArray<ObservedContainer>,
  images: ReadonlyArray<ObservedImage>,
): Layer.Layer<ContainerEngine, never, ContainerEngine> =>
  Layer.effect(
    ContainerEngine,
    Effect.gen(function* () {
      const inner = yield* ContainerEngine
      const served = new Set<string>()
      let knownImages: ReadonlyArray<ObservedImage> | undefined = images
      // A pull or a build changes the image list: the next listing asks the engine.
      const forget = Effect.sync(() => {
        knownImages = undefined
      })
      return ContainerEngine.of({
        ...inner,
        listContainers: (fleet) =>
          Effect.suspend(() => {
            if (served.has(fleet)) return inner.listContainers(fleet)
            served.add(fleet)
            return Effect.succeed(containers.filter((c) => c.labels[Labels.fleet] === fleet))
          }),
        listImages: Effect.suspend(() =>
          knownImages !== undefined
            ? Effect.succeed(knownImages)
            : Effect.tap(inner.listImages, (listed) => Effect.sync(() => (knownImages = listed))),
        ),
        pullImage: (ref) => Effect.ensuring(inner.pullImage(ref), forget),
        build: (tag, build, labels) => Effect.ensuring(inner.build(tag, build, labels), forget),
      })
    }),
  )

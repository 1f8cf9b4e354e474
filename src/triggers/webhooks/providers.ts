import type { WebhookProvider as ProviderName } from "../../domain/webhookProviders.ts"
import { bitbucket } from "./bitbucket.ts"
import { dockerhub } from "./dockerhub.ts"
import { generic } from "./generic.ts"
import { gitea } from "./gitea.ts"
import { github } from "./github.ts"
import { gitlab } from "./gitlab.ts"
import { harbor } from "./harbor.ts"
import { registry } from "./registry.ts"
import type { WebhookProvider } from "./WebhookProvider.ts"

/** Every provider fleetd serves at `POST /hooks/<name>`. */
export const providers: Readonly<Record<ProviderName, WebhookProvider>> = {
  github,
  gitlab,
  gitea,
  bitbucket,
  generic,
  registry,
  dockerhub,
  harbor,
}

/** The provider named by a URL segment; `Object.hasOwn` so `/hooks/__proto__` is just unknown. */
export const providerNamed = (
  name: string | undefined,
): { readonly name: ProviderName; readonly provider: WebhookProvider } | undefined =>
  name !== undefined && Object.hasOwn(providers, name)
    ? { name: name as ProviderName, provider: providers[name as ProviderName] }
    : undefined

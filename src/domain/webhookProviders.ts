// The webhook providers fleetd answers, by name: the config file, the flags and the
// webhook routes all speak of them, so the names live in the domain, in none of those.

/** Forges: git pushes (GitHub and Gitea also send container package pushes). */
export type ForgeProvider = "github" | "gitlab" | "gitea" | "bitbucket" | "generic"
/** Registries: image pushes only. */
export type RegistryProvider = "registry" | "dockerhub" | "harbor"
export type WebhookProvider = ForgeProvider | RegistryProvider

export const forgeProviders: ReadonlyArray<ForgeProvider> = [
  "github",
  "gitlab",
  "gitea",
  "bitbucket",
  "generic",
]
export const webhookProviders: ReadonlyArray<WebhookProvider> = [
  ...forgeProviders,
  "registry",
  "dockerhub",
  "harbor",
]

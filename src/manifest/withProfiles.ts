/**
 * `--profile` flags win over COMPOSE_PROFILES, as in `docker compose`: given, they
 * replace it in the environment the manifest is loaded with (activeServices.ts reads it).
 */
export const withProfiles = (
  environment: Readonly<Record<string, string | undefined>>,
  profiles: ReadonlyArray<string>,
): Readonly<Record<string, string | undefined>> =>
  profiles.length === 0 ? environment : { ...environment, COMPOSE_PROFILES: profiles.join(",") }

/**
 * `{hostname}` and `{host}` in `--path` and `--projects` (and a config file source's
 * `path:` and `projects:`), so that every host's fleetd can follow its own folder of
 * one repository: `--path hosts/{hostname}/fleet.yaml`. Pure: the names are given.
 *
 * Only these two exact words are placeholders. Any other `{...}` is left alone: in a
 * `projects:` glob, `{a,b}` is an alternation, and a one-word group there would be
 * pointless, so taking these two words over breaks no useful glob.
 */

/** The names a placeholder may stand for: the machine's, and the operator's own (`--host-name`). */
export interface HostNames {
  /** The machine's host name (`os.hostname()`; in a container, the container's). */
  readonly hostname: string
  /** `--host-name` / `FLEETD_HOST_NAME` / the config file's `host_name:`, when given. */
  readonly host?: string | undefined
}

const placeholder = /\{(hostname|host)\}/g

/**
 * Why `name` cannot stand in a path, or undefined: it becomes one directory name, so it
 * may not be empty, hold a `/` or `\`, or be `.` or `..` (which would leave the folder
 * the placeholder was meant to pick).
 */
export const hostNameProblem = (name: string): string | undefined =>
  name === ""
    ? "is empty"
    : /[/\\]/.test(name)
      ? `"${name}" holds a path separator`
      : name === "." || name === ".."
        ? `"${name}" is not a directory name`
        : [...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)
          ? "holds a control character"
          : undefined

/**
 * `text` with its placeholders replaced, or a problem naming the placeholder that has
 * nothing to stand for: `{host}` without a host name, or a name that is not a plain
 * directory name.
 */
export const expandHostPlaceholders = (
  text: string,
  names: HostNames,
): { readonly text: string } | { readonly problem: string } => {
  let problem: string | undefined
  const expanded = text.replace(placeholder, (whole, word: "hostname" | "host") => {
    const value = word === "host" ? names.host : names.hostname
    if (value === undefined) {
      problem ??= `{host} needs the host's name: give --host-name NAME (FLEETD_HOST_NAME, or host_name: in the config file), or write {hostname} for the machine's own`
      return whole
    }
    const bad = hostNameProblem(value)
    if (bad !== undefined) {
      problem ??=
        word === "host"
          ? `{host}: the host name ${bad}; give --host-name a plain directory name`
          : `{hostname}: the machine's host name ${bad}; give --host-name NAME and write {host} instead`
      return whole
    }
    return value
  })
  return problem === undefined ? { text: expanded } : { problem }
}

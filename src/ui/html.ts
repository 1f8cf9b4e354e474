/**
 * HTML that is safe to send as is: made by `html` (which escapes every value it is
 * given) or by `trusted` (for the page's own constant assets only). Anything else a
 * template receives is text and gets escaped, so a service name or an error message
 * holding `<script>` shows as those characters and never runs.
 */
export class Html {
  readonly text: string
  constructor(text: string) {
    this.text = text
  }
  toString() {
    return this.text
  }
}

/** What a template may interpolate: nothing renders for undefined, null and false. */
export type HtmlValue = Html | string | number | boolean | undefined | null | ReadonlyArray<HtmlValue>

const entities: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
}

/** Text as HTML, safe both between tags and inside a quoted attribute value. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => entities[c] ?? c)

const render = (value: HtmlValue): string => {
  if (value instanceof Html) return value.text
  if (Array.isArray(value)) return value.map(render).join("")
  if (value === undefined || value === null || value === false) return ""
  return escapeHtml(String(value))
}

/** The template tag every page is written with: values are escaped unless they are Html. */
export const html = (strings: TemplateStringsArray, ...values: ReadonlyArray<HtmlValue>): Html => {
  let out = strings[0] ?? ""
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? "")
  })
  return new Html(out)
}

/** A constant of the page's own (its stylesheet and script), never data. */
export const trusted = (constant: string): Html => new Html(constant)

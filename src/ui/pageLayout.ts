import { type Html, html, trusted } from "./html.ts"
import { pageScript } from "./pageScript.ts"
import { pageStyle } from "./pageStyle.ts"

/** A whole page around `main`: the same head, navigation, style and script everywhere. */
export const pageLayout = (title: string, main: Html, options: { readonly live: boolean }): Html =>
  html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<link rel="icon" href="data:,">
<title>${title}</title>
<style>${trusted(pageStyle)}</style>
</head>
<body>
<header class="top">
  <a class="brand" href="/">fleetd</a>
  <nav aria-label="Pages"><a href="/">Fleets</a><a href="/passes">Passes</a></nav>
  <span id="notice" role="status" aria-live="polite"></span>
  <span class="live" id="live">${options.live ? "" : "static"}</span>
</header>
<main id="main">${main}</main>
${options.live ? html`<script>${trusted(pageScript)}</script>` : ""}
</body>
</html>`

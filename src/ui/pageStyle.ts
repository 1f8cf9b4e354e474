/** The page's stylesheet, inlined so fleetd needs no CDN and works offline. Light and dark. */
export const pageStyle = `
:root { color-scheme: light dark; --bg: #fbfbfa; --fg: #1d1f21; --muted: #5f6368; --line: #d9dadc;
  --card: #ffffff; --good: #176f2c; --good-bg: #e3f4e6; --bad: #a4161a; --bad-bg: #fde7e7;
  --busy: #7a4d00; --busy-bg: #fff1d6; --link: #0b57d0; --focus: #0b57d0; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #141517; --fg: #e6e6e6; --muted: #a0a4a8; --line: #34373b; --card: #1d1f22;
    --good: #7ddc8f; --good-bg: #183a20; --bad: #ff9a9a; --bad-bg: #4a1b1d; --busy: #ffd27a;
    --busy-bg: #3d2f12; --link: #8ab4f8; --focus: #8ab4f8; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
a { color: var(--link); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.top { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.2rem; border-bottom: 1px solid var(--line); background: var(--card); }
.top .brand { font-weight: 700; text-decoration: none; color: var(--fg); }
.top nav a { margin-right: 1rem; }
.top .live { margin-left: auto; color: var(--muted); font-size: .85rem; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.2rem 3rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.25rem; margin: 0; } h3 { font-size: 1.05rem; }
.source { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.2rem; margin: 1rem 0; }
.source-head { display: flex; align-items: center; justify-content: space-between; gap: 1rem; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .8rem 0; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { color: var(--muted); font-weight: 600; font-size: .85rem; }
code { font: .9em ui-monospace, SFMono-Regular, Menlo, monospace; overflow-wrap: anywhere; }
pre { font: .85em/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; background: var(--bg); border: 1px solid var(--line);
  border-radius: 6px; padding: .5rem .7rem; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; margin: .3rem 0; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .8rem; font-weight: 600; border: 1px solid var(--line); }
.badge.good { color: var(--good); background: var(--good-bg); border-color: transparent; }
.badge.bad { color: var(--bad); background: var(--bad-bg); border-color: transparent; }
.badge.busy { color: var(--busy); background: var(--busy-bg); border-color: transparent; }
.muted { color: var(--muted); }
td.image code { white-space: nowrap; }
.error { color: var(--bad); }
.stalled, .failure { border-left: 4px solid var(--bad); padding: .2rem .9rem; margin: .6rem 0; background: var(--bad-bg); border-radius: 4px; }
.stalled h4 { margin: .4rem 0; }
.ports { list-style: none; margin: .2rem 0 0; padding: 0; }
.issues, .changes, .leases { margin: .3rem 0; padding-left: 1.2rem; }
button { font: inherit; padding: .3rem .9rem; border-radius: 6px; border: 1px solid var(--line); background: var(--bg); color: var(--fg); cursor: pointer; }
button:disabled { cursor: not-allowed; opacity: .6; }
.login { max-width: 24rem; margin: 3rem auto; }
.login label { display: block; margin: .8rem 0 .3rem; }
.login input { font: inherit; width: 100%; padding: .4rem; border-radius: 6px; border: 1px solid var(--line); background: var(--card); color: var(--fg); }
`

/*
 * Page sizes of the history, in a module of their own: the argument parser every
 * command runs checks `--limit` against them, and must not load the history reader
 * (and the daemon's Sources) to do so.
 */

/** How many passes `/status/history` and `fleetd history` give unless asked, and at most. */
export const defaultHistoryPage = 50
export const maxHistoryPage = 500

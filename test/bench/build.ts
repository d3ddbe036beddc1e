/**
 * The benchmark measures what `npm start` runs, `node dist/server.js`, so it builds what
 * `npm start` would first: only what is missing or older than its sources.
 */
export { ensureBuilt } from '../../src/build/ensure-built.mjs'

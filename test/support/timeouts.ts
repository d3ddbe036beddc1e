/**
 * Timeouts sized for a busy 2-core machine: this suite shares it with other test runs,
 * benchmarks and, in the proof, two CPU burners (test/support/cpu-burners.sh), so a step
 * that takes half a second alone can take ten times as long. A timeout here is there to
 * end a hang, never to time the code, so each is what the slowest honest run needs.
 */

/** Through Prism (`PRISM=1`) each test server starts a Prism process too, and every request takes a detour. */
const throughPrism = process.env.PRISM === '1'

/** A test that only sends requests to a server that is already up. */
export const TEST_TIMEOUT_MS = throughPrism ? 30_000 : 15_000

/**
 * A hook or test that starts a server: in-process (test/support/server.ts, a second or
 * two on a busy machine), as its own process (test/support/process.ts: tsx compiling
 * src/ first, several seconds), or with Prism beside it (its own Node process).
 */
export const SERVER_START_TIMEOUT_MS = throughPrism ? 120_000 : 60_000

/** For `it(name, STARTS_A_SERVER, fn)`: a test that starts a server of its own. */
export const STARTS_A_SERVER = { timeout: SERVER_START_TIMEOUT_MS } as const

/**
 * A test that sends thousands of requests (2,000 creates and their pages, say): about ten
 * seconds alone, and over thirty measured beside other suites and two burners.
 */
export const SENDS_THOUSANDS_OF_REQUESTS = { timeout: throughPrism ? 240_000 : 120_000 } as const

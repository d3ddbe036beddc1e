/**
 * Graceful shutdown for a node:http server. `server.close()` alone stops accepting but
 * waits for every keep-alive connection, and a client holding half-sent headers or a
 * stalled body holds it forever. Draining ends each connection as soon as it can: idle
 * ones at once, busy ones when their response is done (it carries `Connection: close`),
 * and whatever is left at the deadline.
 */
import type { Server, ServerResponse } from 'node:http'

export interface Drainer {
  /** Resolves once every connection is closed; `cut` counts those still open at the deadline. */
  drain(deadlineMs: number): Promise<{ cut: number }>
}

export function drainable(server: Server): Drainer {
  const inFlight = new Set<ServerResponse>()
  let draining = false
  // One listener for every response (a response closes once): no closure made per request.
  function forgetResponse(this: ServerResponse) {
    inFlight.delete(this)
    // Its connection may now be idle (a response already under way when draining began).
    if (draining) server.closeIdleConnections()
  }
  // Before the app's own listener, so the header is set before any response starts.
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (draining) res.setHeader('Connection', 'close')
    inFlight.add(res)
    res.on('close', forgetResponse)
  })

  return {
    async drain(deadlineMs) {
      draining = true
      for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close')
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      let cut = 0
      const deadline = setTimeout(() => {
        cut = inFlight.size
        server.closeAllConnections()
      }, deadlineMs)
      await closed
      clearTimeout(deadline)
      return { cut }
    },
  }
}

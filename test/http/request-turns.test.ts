/**
 * RequestTurns (src/http/request-turns.ts) on its own, with real request objects and a
 * listener that records what it starts: requests start at once until a turn of the loop
 * has spent its slice, then wait in order and start one per turn. Each case blocks the
 * loop for longer than the slice on purpose; a slower machine only blocks it longer.
 */
import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { RequestTurns, TURN_SLICE_MS } from '../../src/http/request-turns.js'

function request(url: string): { req: IncomingMessage; res: ServerResponse } {
  const req = new IncomingMessage(new Socket())
  req.url = url
  return { req, res: new ServerResponse(req) }
}

/** Holds the loop, as a long handler would. */
function block(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // busy
  }
}

/** Resolves on the next turn of the loop (after the turns' own immediates). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

function setUp() {
  const turns = new RequestTurns((req) => req.url?.startsWith('/api/v1') ?? false)
  const started: string[] = []
  const listener = turns.pace((req) => {
    started.push(req.url ?? '')
    if (req.url?.endsWith('/slow')) block(TURN_SLICE_MS + 20)
  })
  const send = (url: string) => {
    const { req, res } = request(url)
    listener(req, res)
    return req
  }
  return { turns, started, send }
}

describe('RequestTurns', () => {
  it('starts requests at once while the turn has time left', () => {
    const { turns, started, send } = setUp()
    send('/api/v1/a')
    send('/api/v1/b')
    expect(started).toEqual(['/api/v1/a', '/api/v1/b'])
    expect(turns.backlog).toBe(0)
  })

  it('once a turn has spent its slice, later requests wait in order and start one per turn', async () => {
    const { turns, started, send } = setUp()
    send('/api/v1/slow')
    send('/api/v1/b')
    send('/api/v1/c')
    expect(started).toEqual(['/api/v1/slow'])
    expect(turns.backlog).toBe(2)

    await nextTurn()
    expect(started).toEqual(['/api/v1/slow', '/api/v1/b'])
    await nextTurn()
    expect(started).toEqual(['/api/v1/slow', '/api/v1/b', '/api/v1/c'])
    expect(turns.backlog).toBe(0)
  })

  it('keeps how long each request waited, and 0 for one that never waited', async () => {
    const { turns, send } = setUp()
    const first = send('/api/v1/slow')
    const waiting = send('/api/v1/b')
    block(50)
    await nextTurn()
    expect(turns.waitOf(first)).toBe(0)
    expect(turns.waitOf(waiting)).toBeGreaterThanOrEqual(50)
  })

  it('lets requests it does not pace (health checks, docs) go first, even with a backlog', () => {
    const { turns, started, send } = setUp()
    send('/api/v1/slow')
    send('/api/v1/b')
    send('/readyz')
    expect(started).toEqual(['/api/v1/slow', '/readyz'])
    expect(turns.backlog).toBe(1)
  })

  it('does not start a request whose client hung up while it waited', async () => {
    const { started, send } = setUp()
    send('/api/v1/slow')
    send('/api/v1/gone').socket.destroy()
    send('/api/v1/c')
    await nextTurn()
    await nextTurn()
    expect(started).toEqual(['/api/v1/slow', '/api/v1/c'])
  })

  it('starts requests at once again in a later turn, once the backlog is gone', async () => {
    const { started, send } = setUp()
    send('/api/v1/slow')
    send('/api/v1/b')
    await nextTurn()
    await nextTurn()
    send('/api/v1/c')
    expect(started).toEqual(['/api/v1/slow', '/api/v1/b', '/api/v1/c'])
  })
})

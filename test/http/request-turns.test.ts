/**
 * RequestTurns (src/http/request-turns.ts) on its own, with real request objects and a
 * listener that records what it starts: requests start at once until a turn of the loop
 * has spent its slice, then wait in order and start in later turns, as many a turn as
 * fit in a slice, and one a turn while connections arrive. Each case blocks the loop for
 * longer than the slice on purpose where it needs a slow request; a slower machine only
 * blocks it longer. The cheap requests take next to no time, so that a batch of them
 * fits in a slice on any machine.
 */
import { EventEmitter } from 'node:events'
import { IncomingMessage, type Server, ServerResponse } from 'node:http'
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

/** `sliceMs`: a long one where a case needs several cheap requests to fit in one slice whatever the machine's hiccups. */
function setUp(sliceMs = TURN_SLICE_MS) {
  const turns = new RequestTurns((req) => req.url?.startsWith('/api/v1') ?? false, sliceMs)
  const started: string[] = []
  const listener = turns.pace((req) => {
    started.push(req.url ?? '')
    if (req.url?.endsWith('/slow')) block(sliceMs + 20)
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

  it('once a turn has spent its slice, later requests wait in order and start in later turns, the first after a quiet spell alone', async () => {
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

  it('starts as many waiting requests in a turn as the last turn showed fit in a slice', async () => {
    const { turns, started, send } = setUp(200)
    send('/api/v1/slow')
    for (const name of ['b', 'c', 'd', 'e']) send(`/api/v1/${name}`)
    await nextTurn()
    expect(started).toEqual(['/api/v1/slow', '/api/v1/b'])
    // b took next to no time (well under a third of the slice): the other three fit in one turn.
    await nextTurn()
    expect(started).toEqual(['/api/v1/slow', '/api/v1/b', '/api/v1/c', '/api/v1/d', '/api/v1/e'])
    expect(turns.backlog).toBe(0)
  })

  it('starts waiting requests one a turn while each takes longer than a slice', async () => {
    const { turns, started, send } = setUp()
    send('/api/v1/slow')
    for (const name of ['b/slow', 'c/slow', 'd']) send(`/api/v1/${name}`)
    await nextTurn()
    expect(started).toEqual(['/api/v1/slow', '/api/v1/b/slow'])
    await nextTurn()
    expect(started).toEqual(['/api/v1/slow', '/api/v1/b/slow', '/api/v1/c/slow'])
    await nextTurn()
    expect(started).toEqual(['/api/v1/slow', '/api/v1/b/slow', '/api/v1/c/slow', '/api/v1/d'])
    expect(turns.backlog).toBe(0)
  })

  it('starts one waiting request a turn after the server accepted a connection, so that the next is accepted soon', async () => {
    const { turns, started, send } = setUp()
    const server = new EventEmitter()
    turns.watch(server as Server)
    send('/api/v1/slow')
    for (const name of ['b', 'c', 'd']) send(`/api/v1/${name}`)
    await nextTurn()
    expect(started).toEqual(['/api/v1/slow', '/api/v1/b'])
    server.emit('connection')
    await nextTurn()
    expect(started).toEqual(['/api/v1/slow', '/api/v1/b', '/api/v1/c'])
    // No connection since: the rest fit in one batch.
    await nextTurn()
    expect(started).toEqual(['/api/v1/slow', '/api/v1/b', '/api/v1/c', '/api/v1/d'])
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

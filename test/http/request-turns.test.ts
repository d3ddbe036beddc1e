/**
 * RequestTurns (src/http/request-turns.ts) on its own, with real request objects, real
 * turns of the loop and a clock of the test's own: a request "takes" the milliseconds
 * its path names (`/api/v1/b/slow` more than a slice, `/api/v1/b/1ms` one millisecond,
 * `/2ms` two, anything else none), so no case depends on how fast the machine is. Requests start at
 * once until a turn has spent its slice, then wait in order and start in batches: as
 * many a turn as fit in a slice, at most twice the batch before, one while connections
 * arrive.
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

/** Resolves on the next turn of the loop (after the turns' own immediates). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

function setUp() {
  let time = 0
  const turns = new RequestTurns(
    (req) => req.url?.startsWith('/api/v1') ?? false,
    TURN_SLICE_MS,
    () => time,
  )
  const started: string[] = []
  const listener = turns.pace((req) => {
    started.push(req.url ?? '')
    if (req.url?.endsWith('/slow')) time += TURN_SLICE_MS + 20
    if (req.url?.endsWith('/1ms')) time += 1
    if (req.url?.endsWith('/2ms')) time += 2
  })
  const send = (url: string) => {
    const { req, res } = request(url)
    listener(req, res)
    return req
  }
  /** Time passing outside any request: the loop busy elsewhere. */
  const pass = (ms: number) => {
    time += ms
  }
  return { turns, started, send, pass }
}

const paths = (...names: string[]) => names.map((name) => `/api/v1/${name}`)

describe('RequestTurns', () => {
  it('starts requests at once while the turn has time left', () => {
    const { turns, started, send } = setUp()
    send('/api/v1/a')
    send('/api/v1/b')
    expect(started).toEqual(paths('a', 'b'))
    expect(turns.backlog).toBe(0)
  })

  it('once a turn has spent its slice, later requests wait in order; the first batch after a quiet spell starts one', async () => {
    const { turns, started, send } = setUp()
    for (const name of ['slow', 'b', 'c']) send(`/api/v1/${name}`)
    expect(started).toEqual(paths('slow'))
    expect(turns.backlog).toBe(2)

    await nextTurn()
    expect(started).toEqual(paths('slow', 'b'))
    await nextTurn()
    expect(started).toEqual(paths('slow', 'b', 'c'))
    expect(turns.backlog).toBe(0)
  })

  it('starts as many waiting requests in a turn as fit in a slice, at most twice as many as the turn before', async () => {
    const { turns, started, send } = setUp()
    for (const name of ['slow', 'b', 'c', 'd', 'e', 'f', 'g']) send(`/api/v1/${name}`)
    await nextTurn()
    expect(started).toEqual(paths('slow', 'b'))
    // b took no time: any number would fit, the batch before bounds it.
    await nextTurn()
    expect(started).toEqual(paths('slow', 'b', 'c', 'd'))
    await nextTurn()
    expect(started).toEqual(paths('slow', 'b', 'c', 'd', 'e', 'f', 'g'))
    expect(turns.backlog).toBe(0)
  })

  it('fits a batch to what the batch before cost: 1 ms requests, three to a 3 ms slice', async () => {
    const { started, send } = setUp()
    send('/api/v1/slow')
    for (const name of ['b', 'c', 'd', 'e', 'f', 'g', 'h']) send(`/api/v1/${name}/1ms`)
    await nextTurn()
    await nextTurn()
    await nextTurn()
    expect(started.length).toBe(1 + 1 + 2 + 3)
  })

  it('sizes a batch by the cost of the one before, not only by the slice: 2 ms requests start one a turn', async () => {
    const { started, send } = setUp()
    send('/api/v1/slow')
    for (const name of ['b', 'c', 'd', 'e', 'f']) send(`/api/v1/${name}/2ms`)
    await nextTurn()
    await nextTurn()
    await nextTurn()
    // Two would fit in the time left of a 3 ms slice after the first, but each cost 2 ms: one a turn.
    expect(started).toEqual(paths('slow', 'b/2ms', 'c/2ms', 'd/2ms'))
  })

  it('starts waiting requests one a turn while each takes longer than a slice', async () => {
    const { turns, started, send } = setUp()
    for (const name of ['slow', 'b/slow', 'c/slow', 'd']) send(`/api/v1/${name}`)
    await nextTurn()
    expect(started).toEqual(paths('slow', 'b/slow'))
    await nextTurn()
    expect(started).toEqual(paths('slow', 'b/slow', 'c/slow'))
    await nextTurn()
    expect(started).toEqual(paths('slow', 'b/slow', 'c/slow', 'd'))
    expect(turns.backlog).toBe(0)
  })

  it('ends a batch once its slice is spent, however many the turn before said would fit', async () => {
    const { started, send } = setUp()
    for (const name of ['slow', 'b', 'c', 'd', 'e/slow', 'f/slow', 'g/slow']) send(`/api/v1/${name}`)
    await nextTurn()
    await nextTurn()
    expect(started).toEqual(paths('slow', 'b', 'c', 'd'))
    // Cheap so far: up to four may start, but e alone spends the slice.
    await nextTurn()
    expect(started).toEqual(paths('slow', 'b', 'c', 'd', 'e/slow'))
  })

  it('starts one waiting request a turn after the server accepted a connection, so that the next is accepted soon', async () => {
    const { turns, started, send } = setUp()
    const server = new EventEmitter()
    turns.watch(server as Server)
    for (const name of ['slow', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) send(`/api/v1/${name}`)
    await nextTurn()
    await nextTurn()
    expect(started).toEqual(paths('slow', 'b', 'c', 'd'))
    server.emit('connection')
    await nextTurn()
    expect(started).toEqual(paths('slow', 'b', 'c', 'd', 'e'))
    // No connection since: batches grow again.
    await nextTurn()
    expect(started).toEqual(paths('slow', 'b', 'c', 'd', 'e', 'f', 'g'))
  })

  it('keeps how long each request waited, counting the requests before it in its batch, and 0 for one that never waited', async () => {
    const { turns, send, pass } = setUp()
    const first = send('/api/v1/slow')
    const [a, b, c] = ['a', 'b/1ms', 'c'].map((name) => send(`/api/v1/${name}`))
    pass(50)
    await nextTurn()
    await nextTurn()
    expect(turns.waitOf(first)).toBe(0)
    expect(turns.waitOf(a as IncomingMessage)).toBe(50)
    // b and c in one batch: c after b's millisecond.
    expect(turns.waitOf(b as IncomingMessage)).toBe(50)
    expect(turns.waitOf(c as IncomingMessage)).toBe(51)
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
    expect(started).toEqual(paths('slow', 'c'))
  })

  it('starts requests at once again in a later turn, once the backlog is gone', async () => {
    const { started, send } = setUp()
    send('/api/v1/slow')
    send('/api/v1/b')
    await nextTurn()
    await nextTurn()
    send('/api/v1/c')
    expect(started).toEqual(paths('slow', 'b', 'c'))
  })
})

/**
 * Property-based fuzzing of every operation in `openapi.yaml`, against a live server with
 * real credentials. Requests are generated from the spec's own schemas (see
 * `../support/arbitraries.ts`); nothing here names an operation, so operations, parameters,
 * media types and statuses that the spec gains are fuzzed without a change.
 *
 * For each operation, two properties:
 *  - valid: a request whose parameters and body satisfy the spec is answered 2xx. The
 *    only exceptions: 404 when a path parameter is a random id (not one the user made),
 *    409 when a body value is one already taken on this server (a unique name), and
 *    400 naming `cursor` when a made-up cursor was sent.
 *  - invalid: a request with exactly one part broken is answered 400 (a parameter, or a
 *    body that is not well-formed) or 422 (a well-formed body that breaks its schema).
 * And on every response, whatever it is: the ApiClient checks it against the contract
 * (declared status, media type, body schema, required headers), and a ContractViolation
 * it throws fails the property. So no 5xx and no undeclared status can pass.
 *
 * Which of valid and invalid a request is, is decided on what goes on the wire (after
 * form or query encoding), by the same Ajv that the server uses, not by how it was made.
 *
 * Seeded and bounded: FUZZ_RUNS (default 12) runs per property, FUZZ_SEED (default
 * 20261121) for another sequence; `FUZZ_RUNS=500 npx vitest run test/contract/fuzz.test.ts`
 * for a long run, FUZZ_STATS=1 for the statuses seen per operation.
 *
 * The parts: ./fuzz-operations.ts (the model read from the spec), ./fuzz-plans.ts (the
 * requests generated), ./fuzz-wire.ts (what the server sees of them), ./fuzz-settings.ts.
 */
import fc from 'fast-check'
import { afterAll, describe, it } from 'vitest'
import type { ApiResponse, Credentials } from '../support/client.js'
import { ContractViolation } from '../support/contract.js'
import { isRecord, toJsonText } from '../support/json-text.js'
import { signUp, startTestServer, type TestUser } from '../support/server.js'
import { type OperationModel, operations, type Producer, producers, type Scheme } from './fuzz-operations.js'
import { invalidPlan, OwnedRef, type PathArg, type Plan, validPlan } from './fuzz-plans.js'
import { ANCHORS, ROTATE_EVERY, RUNS, SEED } from './fuzz-settings.js'
import { FORM, formText, type Wire, type WireProblem, wireProblems } from './fuzz-wire.js'

const server = await startTestServer({ logLevel: 'warn' })
afterAll(async () => {
  if (process.env.FUZZ_STATS) console.log(summary())
  await server.close()
})
const api = server.api

/**
 * Values that unique constraints may have taken (a username, an email address, a goal
 * name), as `field=value` ignoring case (emails are unique ignoring case): every string
 * that a successful change sent or got back, and each sign-up's. A 409 for a valid
 * request is excused only when it sent one of these.
 */
const taken = new Set<string>()

function remember(value: unknown): void {
  if (Array.isArray(value)) value.forEach(remember)
  else if (isRecord(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (typeof child === 'string') taken.add(`${key}=${child.toLowerCase()}`)
      else remember(child)
    }
  }
}

function takesTakenValue(body: unknown): boolean {
  return isRecord(body) && Object.entries(body).some(([key, value]) => typeof value === 'string' && taken.has(`${key}=${value.toLowerCase()}`))
}

// ---------------------------------------------------------------------------------------
// Sending them.

interface Context {
  readonly user: TestUser
  /** Path parameter name to ids of the user's anchors. */
  readonly owned: Map<string, number[]>
  runs: number
}

interface Exchange {
  readonly request: string
  readonly response: ApiResponse
  readonly problems: readonly WireProblem[]
  readonly body: unknown
}

function credentials(ctx: Context | undefined, scheme: Scheme | undefined): Credentials | undefined {
  if (scheme === 'basic') return need(ctx).user.basic
  if (scheme === 'bearer') return need(ctx).user.bearer
  return undefined
}

function need(ctx: Context | undefined): Context {
  if (!ctx) throw new Error('this request needs a user, and the operation was thought public')
  return ctx
}

/** The property is skipped (the run does not count) when a precondition fails. */
class Skip extends Error {}

/** What was sent and answered, for FUZZ_STATS=1. */
const stats = { users: 0, skipped: 0, statuses: new Map<string, number>() }

function summary(): string {
  const byOperation = new Map<string, string[]>()
  for (const [key, count] of [...stats.statuses].sort()) {
    const [id = '', status = ''] = key.split(' ')
    byOperation.set(id, [...(byOperation.get(id) ?? []), `${status}x${count}`])
  }
  const requests = [...stats.statuses.values()].reduce((a, b) => a + b, 0)
  const lines = [...byOperation].map(([id, counts]) => `  ${id.padEnd(22)} ${counts.join(' ')}`)
  return [`fuzz: ${requests} requests, ${stats.users} users, ${stats.skipped} runs skipped; statuses by operation:`, ...lines].join('\n')
}

async function newContext(): Promise<Context> {
  stats.users++
  const user = await signUp(api)
  remember({ username: user.username, email: user.email })
  return { user, owned: new Map(), runs: 0 }
}

/** Ids of the user's anchors of one kind, made on first use with sampled valid requests. */
async function anchors(ctx: Context, kind: string): Promise<number[]> {
  const known = ctx.owned.get(kind)
  if (known) return known
  const ids: number[] = []
  ctx.owned.set(kind, ids)
  for (const [i, producer] of (producers.get(kind) ?? []).entries()) {
    // The sign-up is the one request of a public producer (createUser) whose result the user owns.
    if (producer.op.auth.length === 0) {
      ids.push(ctx.user.id)
      continue
    }
    const plans = fc.sample(validPlan(producer.op, false), { seed: SEED + ids.length * 7919 + i, numRuns: 20 })
    for (const plan of plans) {
      if (ids.length >= ANCHORS * (i + 1)) break
      const id = await produce(ctx, producer, plan).catch((error: unknown) => {
        if (error instanceof Skip) return undefined
        throw error
      })
      if (id !== undefined) ids.push(id)
    }
  }
  return ids
}

/** Runs a valid request of a producer and returns the id of what it made. */
async function produce(ctx: Context, producer: Producer, plan: Plan): Promise<number> {
  const exchange = await perform(ctx, producer.op, plan, 'valid')
  judgeValid(producer.op, plan, exchange)
  const id = producer.pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((at, key) => (isRecord(at) ? at[key] : undefined), exchange.response.body)
  if (typeof id !== 'number') throw new Error(`${producer.op.id}: no id at ${producer.pointer} in ${exchange.response.text}`)
  return id
}

async function resolveRefs(ctx: Context | undefined, value: unknown): Promise<unknown> {
  if (value instanceof OwnedRef) {
    const ids = await anchors(need(ctx), value.kind)
    return ids.length === 0 ? null : ids[value.index % ids.length]
  }
  if (Array.isArray(value)) return Promise.all(value.map((v) => resolveRefs(ctx, v)))
  if (isRecord(value)) {
    const out: Record<string, unknown> = {}
    for (const [key, child] of Object.entries(value)) {
      Object.defineProperty(out, key, { value: await resolveRefs(ctx, child), enumerable: true, writable: true, configurable: true })
    }
    return out
  }
  return value
}

async function pathText(ctx: Context | undefined, name: string, arg: PathArg): Promise<string> {
  if (arg.kind === 'text') return arg.text
  if (arg.kind === 'owned') {
    const ids = await anchors(need(ctx), name)
    if (ids.length === 0) throw new Error(`no ${name} could be made`)
    return String(ids[arg.index % ids.length])
  }
  const producer = producers.get(name)?.filter((m) => m.op.auth.length > 0)[arg.producer]
  if (!producer) throw new Error(`no producer ${arg.producer} for ${name}`)
  return String(await produce(need(ctx), producer, arg.plan))
}

/**
 * Sends the request, once it is known to be what it was meant to be: a valid request that
 * breaks the spec is a fuzzer bug, and an invalid one that encoding mended (a number sent
 * in a form is text, a lone surrogate in a URL becomes U+FFFD) is not sent at all.
 */
async function perform(ctx: Context | undefined, op: OperationModel, plan: Plan, meant: 'valid' | 'invalid'): Promise<Exchange> {
  const path: Record<string, string> = {}
  for (const [name, arg] of Object.entries(plan.path)) path[name] = await pathText(ctx, name, arg)
  const url = op.path.replace(/\{([^}]+)\}/g, (_match, name: string) => encodeURIComponent(path[name] ?? ''))
  const query = new URLSearchParams(plan.query.map(([n, v]): [string, string] => [n, v])).toString()
  let body: Wire['body']
  let contentType: string | undefined
  if (plan.body?.kind === 'raw') {
    body = { mediaType: plan.body.mediaType, content: plan.body.content }
    contentType = plan.body.mediaType
  } else if (plan.body?.kind === 'value') {
    const value = await resolveRefs(ctx, plan.body.value)
    const content = plan.body.mediaType === FORM ? formText(value) : toJsonText(value)
    if (content === undefined) throw new Skip()
    body = { mediaType: plan.body.mediaType, content }
    contentType = plan.body.contentType
  }
  const { problems, body: decoded } = wireProblems(op, { path, query, headers: plan.headers, body })
  const target = query === '' ? url : `${url}?${query}`
  if (meant === 'invalid' && problems.length === 0) throw new Skip()
  if (meant === 'valid' && problems.length > 0) {
    throw new Error(`fuzzer bug: a request meant to be valid breaks the spec: ${problems.map((p) => p.what).join('; ')}\n${op.method} ${target}`)
  }
  const request = [
    `${op.method} ${target}`,
    plan.auth ? `  auth: ${plan.auth}` : '',
    ...plan.headers.map(([n, v]) => `  ${n}: ${v}`),
    contentType ? `  content-type: ${contentType}` : '',
    body ? `  body: ${(typeof body.content === 'string' ? body.content : `bytes ${Buffer.from(body.content).toString('hex')}`).slice(0, 600)}` : '',
  ]
    .filter((line) => line !== '')
    .join('\n')
  const auth = credentials(ctx, plan.auth)
  let response: ApiResponse
  try {
    response = await api.request(op.method, target, {
      ...(body ? { raw: body.content } : {}),
      ...(contentType ? { contentType } : {}),
      ...(auth ? { auth } : {}),
      headers: Object.fromEntries(plan.headers.map(([n, v]) => [n, v])),
    })
  } catch (error) {
    if (error instanceof ContractViolation)
      throw new ContractViolation(`${op.id}: the response breaks the contract\n${request}\n${error.message}${serverLog(error.message)}`)
    throw error
  }
  const key = `${op.id} ${response.status}`
  stats.statuses.set(key, (stats.statuses.get(key) ?? 0) + 1)
  // Only a change can take a value (GET /openapi.json returns the whole spec, taking nothing).
  if (response.status >= 200 && response.status < 300 && !op.safe) {
    remember(decoded)
    remember(response.body)
  }
  return { request, response, problems, body: decoded }
}

/** The server's log lines for a failed request (it logs 5xx with the request id). */
function serverLog(about: string): string {
  const ids = [...about.matchAll(/"?x-request-id"?\W+([A-Za-z0-9._:-]{8,})/gi)].map((m) => m[1])
  const lines = server
    .logs()
    .split('\n')
    .filter((line) => ids.some((id) => id && line.includes(id)) || /"level":(50|60)/.test(line))
  return lines.length === 0 ? '' : `\nserver log:\n${lines.slice(-3).join('\n').slice(0, 2000)}`
}

function failure(op: OperationModel, exchange: Exchange, expected: string): Error {
  const { response } = exchange
  return new Error(
    `${op.id}: expected ${expected}, got ${response.status}\n${exchange.request}\n` +
      `  problems the fuzzer saw: ${exchange.problems.map((p) => `${p.status} ${p.what}`).join('; ') || 'none'}\n` +
      `response: ${response.status} ${response.text.slice(0, 800)}${response.status >= 500 ? serverLog(`x-request-id ${response.headers.get('x-request-id') ?? ''}`) : ''}`,
  )
}

/** 2xx; 404 only for a random id; 409 only when a value sent is one already taken. */
function judgeValid(op: OperationModel, plan: Plan, exchange: Exchange): void {
  const status = exchange.response.status
  if (status >= 200 && status < 300) return
  const randomId = Object.values(plan.path).some((arg) => arg.kind === 'text')
  if (status === 404 && randomId) return
  // If-Match: * fails for a resource that does not exist (RFC 9110, 13.1.1).
  if (status === 412 && randomId && plan.headers.some(([name, value]) => name.toLowerCase() === 'if-match' && value === '*')) return
  if (status === 409 && takesTakenValue(exchange.body)) throw new Skip()
  // A made-up `cursor` fits its schema but is not one the server issued (nor goes with `page`): 400 naming it.
  if (status === 400 && plan.query.some(([name]) => name === 'cursor') && /"parameter":"cursor"/.test(exchange.response.text)) return
  throw failure(op, exchange, `2xx${randomId ? ' or 404 (a random id)' : ''}`)
}

/** After a change, are the user's credentials still good (a password change, a revoked token, a deleted account)? */
const probe = operations.find((o) => o.method === 'GET' && o.auth.includes('bearer') && !o.parameters.some((p) => p.required))

async function stillSignedIn(ctx: Context): Promise<boolean> {
  if (!probe) return false
  const response = await api.request(probe.method, probe.path, { auth: ctx.user.bearer })
  if (response.status === 401) return false
  if (response.status >= 200 && response.status < 300) return true
  throw new Error(`${probe.id} as the fuzzing user: ${response.status} ${response.text}`)
}

// ---------------------------------------------------------------------------------------
// The properties.

function seedFor(name: string): number {
  let hash = 0x811c9dc5 ^ SEED
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193)
  return hash >>> 0
}

/**
 * The user an operation's properties run as: a fresh one per operation (so no property
 * sees what another operation left), replaced when a request took its credentials away
 * (a new password, a revoked token, a deleted account) and every ROTATE_EVERY runs.
 */
class Session {
  private ctx: Context | undefined

  constructor(private readonly op: OperationModel) {}

  async current(): Promise<Context | undefined> {
    // A public operation without ids in its path runs as nobody.
    if (this.op.auth.length === 0 && !this.op.parameters.some((p) => p.in === 'path')) return undefined
    if (!this.ctx || this.ctx.runs >= ROTATE_EVERY) this.ctx = await newContext()
    this.ctx.runs++
    return this.ctx
  }

  async afterChange(ctx: Context): Promise<void> {
    if (!(await stillSignedIn(ctx))) this.ctx = undefined
  }
}

async function check(
  session: Session,
  name: string,
  filter: string,
  arbitrary: fc.Arbitrary<Plan>,
  run: (ctx: Context | undefined, plan: Plan) => Promise<'changed' | 'unchanged'>,
): Promise<void> {
  const seed = seedFor(name)
  // Shrinking replays requests against a server whose state has moved on (a 401 can turn
  // into a 429 after a few replays), so the first failure is kept to be reported too.
  let first: { plan: Plan; message: string } | undefined
  const property = fc.asyncProperty(arbitrary, async (plan) => {
    const ctx = await session.current()
    try {
      if ((await run(ctx, plan)) === 'changed' && ctx) await session.afterChange(ctx)
    } catch (error) {
      if (error instanceof Skip) {
        stats.skipped++
        fc.pre(false)
      }
      first ??= { plan, message: error instanceof Error ? error.message : String(error) }
      throw error
    }
  })
  try {
    await fc.assert(property, { seed, numRuns: RUNS })
  } catch (error) {
    const hint = `Reproduce: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} npx vitest run test/contract/fuzz.test.ts -t '${filter}' (property seed ${seed})`
    const original = first ? `\nFirst failure, before shrinking: ${fc.stringify(first.plan)}\n${first.message}\n` : ''
    if (error instanceof Error) error.message = `${hint}${original}\nAfter shrinking: ${error.message}`
    throw error
  }
}

const TIMEOUT = 30_000 + RUNS * 400

describe.each(operations.map((op) => [`${op.id} (${op.method} ${op.path})`, op] as const))('fuzz %s', (label, op) => {
  const session = new Session(op)

  it(
    'answers valid requests 2xx (404 only for a random id, 409 only for a taken name)',
    async () => {
      await check(session, `${label} valid`, `${op.id} .*valid requests`, validPlan(op, true), async (ctx, plan) => {
        const exchange = await perform(ctx, op, plan, 'valid')
        judgeValid(op, plan, exchange)
        const ok = exchange.response.status < 300
        return ok && !op.safe && op.auth.length > 0 ? 'changed' : 'unchanged'
      })
    },
    TIMEOUT,
  )

  it(
    'answers requests with one part broken 400 (parameter, malformed body) or 422 (body), never 2xx or 5xx',
    async () => {
      await check(session, `${label} invalid`, `${op.id} .*one part broken`, invalidPlan(op), async (ctx, plan) => {
        const exchange = await perform(ctx, op, plan, 'invalid')
        const expected = exchange.problems.some((p) => p.status === 400) ? 400 : 422
        if (exchange.response.status !== expected) throw failure(op, exchange, `${expected} (${plan.broken ?? 'broken'})`)
        return 'unchanged'
      })
    },
    TIMEOUT,
  )
})

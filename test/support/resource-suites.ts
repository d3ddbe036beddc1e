/**
 * What every resource (tasks, goals, transactions) does alike, written once and run for
 * each: the media types it refuses (415, 413, 406), malformed input (400), missing or
 * wrong credentials (401), and per-user isolation (another user's item is a 404, as is one
 * that does not exist; lists show only one's own). Each resource's folder calls {@link describeResourceBasics} with a
 * {@link ResourceUnderTest}; what is particular to a resource (its query parameters, its
 * 422s, a goal's parent) stays in that folder.
 *
 * Every describe block makes its own users and items, and ends by checking that none of
 * the refused requests changed anything: what the owner reads and lists is exactly what
 * was made.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { RequestOptions } from './client.js'
import { expectProblem, parametersOf } from './expect.js'
import { type Problem, signUp, type TestServer, type TestUser } from './server.js'

/** One of a user's items, as its create answered it. */
export interface Item {
  /** Its path, `/api/v1/<collection>/<id>`. */
  readonly path: string
  /** Its absolute URL, as the API gives it. */
  readonly uri: string
  /** The body its create answered: what a GET of it, and a list holding it, must show. */
  readonly body: Readonly<Record<string, unknown>>
}

/** A request that would succeed with the right credentials. */
export interface Operation {
  readonly name: string
  readonly method: string
  /** Its path (known once the items are made). */
  readonly path: () => string
  readonly options: RequestOptions
}

/** An operation that takes a body. */
export interface Write {
  readonly name: string
  readonly method: 'POST' | 'PUT' | 'PATCH'
  /** Its path (known once the items are made). */
  readonly path: () => string
  /** A body it takes, with at least one string member (as JSON, or as a form with each value as text). */
  readonly json: Readonly<Record<string, string | number | boolean>>
  /** The JSON media types it takes (application/json, and application/merge-patch+json on PATCH). */
  readonly jsonTypes: readonly string[]
}

export interface ResourceUnderTest {
  /** What the items are called in the test names: `task`, `goal`, `transaction`, `user`. */
  readonly name: string
  /** The file's server (started in its beforeAll). */
  readonly server: () => TestServer
  /** Makes `owner`'s items, one after another (lists show them in that order). */
  readonly makeItems: (owner: TestUser) => Promise<readonly Item[]>
  /** Every list of these items, and which items each shows (none for users). */
  readonly lists: ReadonlyArray<{ readonly path: string; readonly shows: (item: Item) => boolean }>
  /** The path parameter that names an item: `taskId`. */
  readonly itemParameter: string
  /** Every request an item's path takes, with a body it would take (PATCH also with `{}`), named for the test names. */
  readonly itemRequests: ReadonlyArray<{ readonly name: string; readonly method: string; readonly options: RequestOptions }>
  /** Every operation of the resource, on the owner's first item. */
  readonly operations: (item: () => Item) => readonly Operation[]
  /** Every operation that takes a body, on the owner's first item. */
  readonly writes: (item: () => Item) => readonly Write[]
  /** A JSON text cut short, in the resource's own words. */
  readonly malformedJson: string
}

/** Ids that are not positive integers in plain decimal within 2^53 - 1: each is a 400 naming the parameter. */
const BAD_IDS = ['abc', '0', '0x1', '01', '1.5', '-1', '1e0', '1e3', '9007199254740992', '99999999999999999999'] as const

/** Over the 1 MiB body limit. */
const TOO_LONG = 'x'.repeat(1_100_000)

function formOf(json: Write['json']): Record<string, string> {
  return Object.fromEntries(Object.entries(json).map(([name, value]) => [name, String(value)]))
}

/** The JSON of `json` with a 0xff byte (never UTF-8) at the start of its first string value. */
function notUtf8(json: Write['json']): Uint8Array {
  const text = JSON.stringify(json)
  const at = text.indexOf('":"') + 3
  if (at < 3) throw new Error(`no string member to break in ${text}`)
  const encoder = new TextEncoder()
  return new Uint8Array([...encoder.encode(text.slice(0, at)), 0xff, ...encoder.encode(text.slice(at))])
}

/** Runs every shared suite for one resource. */
export function describeResourceBasics(resource: ResourceUnderTest): void {
  describeMediaTypes(resource)
  describeMalformedInput(resource)
  describeCredentials(resource)
  describeIsolation(resource)
}

/** A user of its own and their items, made before the calling describe's tests run. */
function ownerWithItems(resource: ResourceUnderTest) {
  const state: { owner?: TestUser; items?: readonly Item[] } = {}
  beforeAll(async () => {
    state.owner = await signUp(resource.server().api)
    state.items = await resource.makeItems(state.owner)
  })
  return {
    owner: (): TestUser => state.owner ?? fail('no owner yet'),
    items: (): readonly Item[] => state.items ?? fail('no items yet'),
    first: (): Item => state.items?.[0] ?? fail('no item made'),
  }
}

function fail(message: string): never {
  throw new Error(message)
}

/**
 * What `user` reads is exactly `items`: each item as made, and each list exactly the items
 * it shows, in order, with a total that counts only those.
 */
async function expectExactly(resource: ResourceUnderTest, user: TestUser, items: readonly Item[]): Promise<void> {
  const { api } = resource.server()
  for (const item of items) {
    const res = await api.get(item.path, { auth: user.bearer })
    expect(res.status, res.text).toBe(200)
    expect(res.body).toEqual(item.body)
  }
  for (const list of resource.lists) {
    const res = await api.get<{ data: unknown[]; meta: { total: number } }>(`${list.path}?page=1`, { auth: user.bearer })
    expect(res.status, res.text).toBe(200)
    const shown = items.filter(list.shows).map((item) => item.body)
    expect(res.body.data, list.path).toEqual(shown)
    expect(res.body.meta.total, list.path).toBe(shown.length)
  }
}

/** 415 for a body of a type an operation does not take, 413 for one over the limit, 406 for an Accept it cannot meet. */
function describeMediaTypes(resource: ResourceUnderTest): void {
  describe(`${resource.name}: 415 UNSUPPORTED_MEDIA_TYPE, 413 PAYLOAD_TOO_LARGE and 406 NOT_ACCEPTABLE`, () => {
    const { owner, items, first } = ownerWithItems(resource)
    const api = () => resource.server().api
    const writes = resource.writes(first)

    it.each(writes)('$name with a text/plain body -> 415, naming application/json', async ({ method, path, json }) => {
      const raw = new URLSearchParams(formOf(json)).toString()
      const res = await api().request<Problem>(method, path(), { auth: owner().bearer, raw, contentType: 'text/plain' })
      expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE')
      expect(res.body.type).toBe('/problems/unsupported-media-type')
      expect(res.body.detail).toContain('application/json')
    })

    it.each(writes)('$name with a body and no Content-Type -> 415', async ({ method, path, json }) => {
      // Bytes, not a string: fetch would label a string text/plain by itself.
      const res = await api().request<Problem>(method, path(), { auth: owner().bearer, raw: new TextEncoder().encode(JSON.stringify(json)) })
      expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE')
    })

    it.each(writes)('$name with application/xml -> 415', async ({ method, path }) => {
      const raw = `<${resource.name}><x>1</x></${resource.name}>`
      const res = await api().request<Problem>(method, path(), { auth: owner().bearer, raw, contentType: 'application/xml' })
      expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE')
    })

    it.each(writes)('$name with JSON labelled charset=latin1 -> 415', async ({ method, path, json }) => {
      const res = await api().request<Problem>(method, path(), { auth: owner().bearer, json, contentType: 'application/json; charset=latin1' })
      expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE')
    })

    it.each(writes.filter((write) => !write.jsonTypes.includes('application/merge-patch+json')))(
      '$name with application/merge-patch+json (only PATCH takes it) -> 415',
      async ({ method, path, json }) => {
        const res = await api().request<Problem>(method, path(), { auth: owner().bearer, json, contentType: 'application/merge-patch+json' })
        expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE')
      },
    )

    it.each(writes)('$name with a JSON body over 1 MiB -> 413', async ({ method, path, json }) => {
      const res = await api().request<Problem>(method, path(), { auth: owner().bearer, json: { ...json, description: TOO_LONG } })
      expectProblem(res, 413, 'PAYLOAD_TOO_LARGE')
      expect(res.body.type).toBe('/problems/payload-too-large')
    })

    it.each(writes)('$name with a form body over 1 MiB -> 413', async ({ method, path, json }) => {
      const res = await api().request<Problem>(method, path(), { auth: owner().bearer, form: { ...formOf(json), description: TOO_LONG } })
      expectProblem(res, 413, 'PAYLOAD_TOO_LARGE')
    })

    it.each(resource.operations(first))('$name ($method) with Accept: text/html or application/xml -> 406, as problem+json', async ({ method, path, options }) => {
      for (const accept of ['text/html', 'application/xml']) {
        const res = await api().request<Problem>(method, path(), { ...options, auth: owner().bearer, headers: { accept } })
        expectProblem(res, 406, 'NOT_ACCEPTABLE')
        expect(res.body.type, accept).toBe('/problems/not-acceptable')
        expect(res.text).not.toMatch(/<html/i)
      }
    })

    it('nothing was done by any refused request', async () => {
      await expectExactly(resource, owner(), items())
    })

    it.each(resource.operations(first).filter((operation) => operation.method === 'GET'))('$name with Accept: application/json or */* -> 200', async ({ path }) => {
      for (const accept of ['application/json', '*/*']) {
        expect((await api().get(path(), { auth: owner().bearer, headers: { accept } })).status, accept).toBe(200)
      }
    })
  })
}

/** 400 for a body that is not JSON or not UTF-8, and for an id that is not one. */
function describeMalformedInput(resource: ResourceUnderTest): void {
  describe(`${resource.name}: 400 BAD_REQUEST for malformed input`, () => {
    const { owner, items, first } = ownerWithItems(resource)
    const api = () => resource.server().api
    const writes = resource.writes(first)

    it.each(writes.flatMap((write) => write.jsonTypes.map((contentType) => ({ ...write, contentType }))))(
      '$name with malformed $contentType -> 400',
      async ({ method, path, contentType }) => {
        const res = await api().request<Problem>(method, path(), { auth: owner().bearer, raw: resource.malformedJson, contentType })
        expectProblem(res, 400, 'BAD_REQUEST')
        expect(res.body.type).toBe('/problems/bad-request')
      },
    )

    it.each(writes)('$name with a JSON body that is not UTF-8 -> 400', async ({ method, path, json }) => {
      const res = await api().request<Problem>(method, path(), { auth: owner().bearer, raw: notUtf8(json), contentType: 'application/json' })
      expectProblem(res, 400, 'BAD_REQUEST')
    })

    for (const { name, method, options } of resource.itemRequests) {
      it.each(BAD_IDS)(`${name} ${resource.name} %s -> 400 naming the parameter ${resource.itemParameter}`, async (id) => {
        const path = first().path.replace(/\/[^/]+$/, `/${id}`)
        const res = await api().request<Problem>(method, path, { ...options, auth: owner().bearer })
        expectProblem(res, 400, 'BAD_REQUEST')
        expect(res.body.type).toBe('/problems/bad-request')
        expect(parametersOf(res.body)).toEqual([resource.itemParameter])
      })
    }

    it(`the ${resource.name}s survived every bad request`, async () => {
      await expectExactly(resource, owner(), items())
    })
  })
}

/** 401, with a challenge, for every operation without credentials or with wrong ones. */
function describeCredentials(resource: ResourceUnderTest): void {
  describe(`${resource.name}: 401 UNAUTHORIZED without credentials or with wrong ones`, () => {
    const { owner, items, first } = ownerWithItems(resource)
    const api = () => resource.server().api
    const operations = resource.operations(first)

    it.each(operations)('$name ($method) with no credentials -> 401 with WWW-Authenticate offering Basic and Bearer', async ({ method, path, options }) => {
      const res = await api().request<Problem>(method, path(), options)
      expectProblem(res, 401, 'UNAUTHORIZED')
      expect(res.body.type).toBe('/problems/unauthorized')
      const challenge = res.headers.get('www-authenticate') ?? ''
      expect(challenge).toMatch(/Basic/)
      expect(challenge).toMatch(/Bearer/)
    })

    it.each(operations)('$name ($method) with a wrong token -> 401', async ({ method, path, options }) => {
      const res = await api().request<Problem>(method, path(), { ...options, auth: { bearer: 'not-a-real-token' } })
      expectProblem(res, 401, 'UNAUTHORIZED')
    })

    it.each(operations)('$name ($method) with a wrong password -> 401', async ({ method, path, options }) => {
      const res = await api().request<Problem>(method, path(), { ...options, auth: { basic: [owner().username, 'not the password'] } })
      expectProblem(res, 401, 'UNAUTHORIZED')
      // Forgive the failures, so that the login throttle does not lock the owner out.
      expect((await api().get(first().path, { auth: owner().basic })).status).toBe(200)
    })

    it('nothing changed', async () => {
      await expectExactly(resource, owner(), items())
    })
  })
}

/** Another user's item is a 404 whatever is asked of it, as is one that does not exist; every list shows only one's own. */
function describeIsolation(resource: ResourceUnderTest): void {
  describe(`${resource.name}: per-user isolation`, () => {
    const alice = ownerWithItems(resource)
    const bob = ownerWithItems(resource)
    const api = () => resource.server().api

    it.each(resource.itemRequests)(
      `$name another user's ${resource.name}, by path or by its uri, with Bearer or Basic -> 404, never 403`,
      async ({ method, options }) => {
        for (const item of alice.items()) {
          for (const auth of [bob.owner().bearer, bob.owner().basic]) {
            for (const target of [item.path, item.uri]) {
              const res = await api().request<Problem>(method, target, { ...options, auth })
              expectProblem(res, 404, 'NOT_FOUND')
              expect(res.body.type).toBe('/problems/not-found')
            }
          }
        }
      },
    )

    it.each(resource.itemRequests)(`$name a ${resource.name} that does not exist, or at the largest id -> 404 NOT_FOUND`, async ({ method, options }) => {
      for (const id of ['987654321', '9007199254740991']) {
        const path = alice.first().path.replace(/\/[^/]+$/, `/${id}`)
        const res = await api().request<Problem>(method, path, { ...options, auth: alice.owner().bearer })
        expectProblem(res, 404, 'NOT_FOUND')
        expect(res.body.type).toBe('/problems/not-found')
      }
    })

    it(`the owner's ${resource.name}s are unchanged afterwards, and so are the intruder's; a list never includes another user's, and its total counts only one's own`, async () => {
      await expectExactly(resource, alice.owner(), alice.items())
      await expectExactly(resource, bob.owner(), bob.items())
    })
  })
}

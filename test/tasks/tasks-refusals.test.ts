/**
 * The task operations refusing a request whole: what every resource refuses alike (415,
 * 413, 406, malformed input, 401, another user's task) runs from the shared suites in
 * test/support/resource-suites.ts; what is the tasks' own (a search never finds another
 * user's task) is here.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { describeResourceBasics } from '../support/resource-suites.js'
import { signUp, type Task, type TestUser, useTestServer } from '../support/server.js'
import { taskRequests, taskResource } from './task-requests.js'

const server = useTestServer()

const { create, list } = taskRequests(() => server)

describeResourceBasics(taskResource(() => server))

describe('per-user isolation in lists and searches', () => {
  let alice: TestUser
  let bob: TestUser
  let secret: Task
  beforeAll(async () => {
    alice = await signUp(server.api)
    bob = await signUp(server.api)
    secret = await create(alice, { title: "Alice's secret", description: 'only hers' })
    await create(bob, { title: "Bob's own" })
  })

  it("a list never includes another user's tasks, and total counts only one's own", async () => {
    const bobs = await list(bob)
    expect(bobs.body.data.map((t) => t.title)).toEqual(["Bob's own"])
    expect(bobs.body.meta.total).toBe(1)
    const searched = await list(bob, { q: 'secret' })
    expect(searched.body.data).toEqual([])
    expect(searched.body.meta.total).toBe(0)
    const alices = await list(alice)
    expect(alices.body.data.map((t) => t.id)).toEqual([secret.id])
    expect(alices.body.meta.total).toBe(1)
  })
})

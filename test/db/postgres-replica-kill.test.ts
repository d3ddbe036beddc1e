/**
 * A replica killed with SIGKILL mid-write (run in the PostgreSQL pass only:
 * test/vitest.config.ts). Three replicas as processes of their own on one database,
 * clients writing to all three; one is killed while its writes are in flight, with no
 * chance to drain or close anything. Then:
 *
 * - every write a replica acknowledged with 201, the killed one included, is there when
 *   read from a survivor (a 201 is sent after the commit, and a commit is PostgreSQL's);
 * - the survivors answer every request, through the kill and after it (whatever the killed
 *   replica held, a row lock in an open transaction, PostgreSQL releases when its
 *   connection drops);
 * - a client retrying its unanswered writes on a survivor with the same Idempotency-Key
 *   gets each exactly once, whether or not the killed replica committed it.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { ApiResponse } from '../support/client.js'
import { parseLinks } from '../support/expect.js'
import type { ServerProcess } from '../support/process.js'
import { type Replicas, startReplicas } from '../support/replicas.js'
import { signUp, type Task, type TaskList, type TestUser } from '../support/server.js'
import { TEST_TIMEOUT_MS } from '../support/timeouts.js'

let replicas: Replicas
let victim: ServerProcess
let survivors: ServerProcess[]
let user: TestUser

beforeAll(async () => {
  // startReplicas stops the ones that started when another fails to. No PUBLIC_URL: each
  // replica names resources by the address it was asked on, so the test follows its links.
  replicas = await startReplicas(3, { PUBLIC_URL: '' })
  ;[victim, ...survivors] = replicas.processes as [ServerProcess, ServerProcess, ServerProcess]
  user = await signUp((survivors[0] as ServerProcess).api)
})
afterAll(async () => {
  await victim?.kill('SIGKILL')
  await replicas?.stop()
})

interface Write {
  readonly key: string
  readonly title: string
}

/** What one writer saw: writes acknowledged (201), unanswered (the connection failed), or answered otherwise. */
interface Outcome {
  readonly acknowledged: Array<Write & { readonly id: number; readonly afterKill: boolean }>
  readonly unanswered: Write[]
  readonly otherwise: string[]
}

const state = { killed: false, stopping: false }

/** Creates tasks on `replica`, one after another, each with a key of its own, until told to stop or the replica is gone. */
async function writer(replica: ServerProcess, name: string, outcome: Outcome): Promise<void> {
  for (let n = 0; !state.stopping; n++) {
    const write = { key: `${name}-${n}`, title: `${name} #${n}` }
    const afterKill = state.killed
    try {
      const res = await replica.api.post<Task>('/api/v1/tasks', { auth: user.bearer, json: { title: write.title }, headers: { 'idempotency-key': write.key } })
      if (res.status === 201) outcome.acknowledged.push({ ...write, id: res.body.id, afterKill })
      else outcome.otherwise.push(`${write.key}: ${res.status} ${res.text}`)
    } catch {
      // No response at all: the replica died with the request in flight, or before it was sent.
      outcome.unanswered.push(write)
      return
    }
  }
}

function newOutcome(): Outcome {
  return { acknowledged: [], unanswered: [], otherwise: [] }
}

/** Every task of the user, read from `replica`, page after page. */
async function allTasks(replica: ServerProcess): Promise<Task[]> {
  const tasks: Task[] = []
  for (let url: string | undefined = '/api/v1/tasks?per_page=100'; url !== undefined; ) {
    const res: ApiResponse<TaskList> = await replica.api.get<TaskList>(url, { auth: user.bearer })
    expect(res.status, res.text).toBe(200)
    tasks.push(...res.body.data)
    url = parseLinks(res.headers.get('link')).next
  }
  return tasks
}

it('loses no acknowledged write; the other replicas keep serving; retried writes happen once', { timeout: TEST_TIMEOUT_MS * 4 }, async () => {
  const [first, second] = survivors as [ServerProcess, ServerProcess]
  const onVictim = newOutcome()
  const onSurvivors = newOutcome()
  const writers = [
    ...[0, 1, 2, 3].map((i) => writer(victim, `victim-${i}`, onVictim)),
    ...[0, 1].map((i) => writer(first, `first-${i}`, onSurvivors)),
    ...[0, 1].map((i) => writer(second, `second-${i}`, onSurvivors)),
  ]

  // Killed once it has acknowledged some writes, with four more in flight.
  // Or until a writer on it fails: then the assertions below say how, instead of a timeout.
  while (onVictim.acknowledged.length < 20 && onVictim.unanswered.length + onVictim.otherwise.length === 0) await sleep(10)
  state.killed = true
  expect(await victim.kill('SIGKILL')).toBe('SIGKILL')
  // The survivors go on: each writer gets twenty more writes through after the kill.
  const afterKill = (name: string) => onSurvivors.acknowledged.filter((write) => write.afterKill && write.key.startsWith(name)).length
  while (
    ['first-0', 'first-1', 'second-0', 'second-1'].some((name) => afterKill(`${name}-`) < 20) &&
    onSurvivors.unanswered.length + onSurvivors.otherwise.length === 0
  ) {
    await sleep(10)
  }
  state.stopping = true
  await Promise.all(writers)

  expect(onSurvivors.unanswered).toEqual([])
  expect(onSurvivors.otherwise).toEqual([])
  expect(onVictim.otherwise).toEqual([])
  // Every writer on the killed replica lost a request to the kill.
  expect(onVictim.unanswered).toHaveLength(4)

  // Read from a survivor: every acknowledged write is there, as it was acknowledged.
  const stored = new Map((await allTasks(first)).map((task) => [task.id, task.title]))
  for (const write of [...onVictim.acknowledged, ...onSurvivors.acknowledged]) {
    expect(stored.get(write.id), write.key).toBe(write.title)
  }
  // The killed replica's unanswered writes may or may not have committed. Retried with their keys on a survivor, each exists once.
  for (const write of onVictim.unanswered) {
    const retry = await second.api.post<Task>('/api/v1/tasks', { auth: user.bearer, json: { title: write.title }, headers: { 'idempotency-key': write.key } })
    expect(retry.status, retry.text).toBe(201)
  }
  const titles = (await allTasks(second)).map((task) => task.title)
  for (const write of [...onVictim.acknowledged, ...onVictim.unanswered, ...onSurvivors.acknowledged]) {
    expect(
      titles.filter((title) => title === write.title),
      write.key,
    ).toHaveLength(1)
  }
  expect((await first.api.get('/readyz')).status).toBe(200)
})

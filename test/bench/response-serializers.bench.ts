/**
 * The compiled response serializers (src/http/response-serializers.ts) against
 * `JSON.stringify`, for one task and for a page of 100 (`npm run bench:vitest`, never part
 * of `npm test`). Both write the same bytes (test/http/response-serializers.test.ts).
 */
import { join } from 'node:path'
import { bench, describe } from 'vitest'
import { createResponseSerializers, type Serialize } from '../../src/http/response-serializers.js'
import { loadSpec } from '../../src/spec/spec.js'

const serializers = createResponseSerializers(loadSpec(join(import.meta.dirname, '../..')))

function serializerOf(operationId: string): Serialize {
  const serialize = serializers.serializerFor(operationId, 200)
  if (!serialize) throw new Error(`no serializer for ${operationId}`)
  return serialize
}

function task(id: number) {
  return {
    id,
    uri: `http://localhost:3000/api/v1/tasks/${id}`,
    title: `Task number ${id}`,
    description: 'Milk, Cheese, Pizza, Fruit, Tylenol',
    done: id % 2 === 0,
    created_at: '2026-11-21T10:00:00.000Z',
    updated_at: '2026-11-21T10:00:00.000Z',
  }
}

const one = task(1)
const page = { data: Array.from({ length: 100 }, (_, i) => task(i + 1)), meta: { per_page: 100 } }
const getTask = serializerOf('getTask')
const listTasks = serializerOf('listTasks')

describe('one task', () => {
  bench('JSON.stringify', () => {
    JSON.stringify(one)
  })
  bench('compiled serializer', () => {
    getTask(one)
  })
})

describe('a page of 100 tasks', () => {
  bench('JSON.stringify', () => {
    JSON.stringify(page)
  })
  bench('compiled serializer', () => {
    listTasks(page)
  })
})

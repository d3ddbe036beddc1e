/**
 * README.md's walk-through is true: every command of its ```console blocks is run, in
 * order, against a fresh server, as a reader pasting them would, and each answer must
 * fit what the README shows under it (status line, shown headers, body shape; see
 * body-shape.ts for which values may differ from run to run); a command shown printing
 * nothing must succeed (2xx). Responses go through the test client, so they are held to
 * openapi.yaml as well.
 */
import { readFileSync } from 'node:fs'
import { STATUS_CODES } from 'node:http'
import { parse } from 'shell-quote'
import { describe, expect, it } from 'vitest'
import { useTestServer } from '../support/server.js'
import { bodyMismatches } from './body-shape.js'
import { type ConsoleStep, consoleSteps } from './console-steps.js'
import { curlRequest } from './curl-request.js'
import { headerPattern, Placeholders } from './placeholders.js'
import { parseShownJson, readShownOutput } from './shown-output.js'

/** Where the README says the server is; the test's own server takes its place. */
const README_ORIGIN = 'http://localhost:3000'

const steps = consoleSteps(readFileSync(new URL('../../README.md', import.meta.url), 'utf8'))

const server = useTestServer()

const placeholders = new Placeholders(new Date())
/** What `NAME=value` lines set, for `$NAME` in later commands. */
const shellVariables = new Map<string, string>()

/** The words of a command line as a shell would split and expand them (no pipes, no redirects). */
function shellWords(command: string): string[] {
  const expand = (name: string): string => {
    const value = shellVariables.get(name)
    if (value === undefined) throw new Error(`$${name} is used before the walk-through sets it`)
    return value
  }
  return parse(command, expand).map((entry) => {
    if (typeof entry === 'string') return placeholders.fill(entry)
    // shell-quote reports an unquoted `?` as a glob; the shell leaves a pattern that matches no file as it is.
    if ('op' in entry && entry.op === 'glob') return placeholders.fill(entry.pattern)
    throw new Error(`shell syntax the walk-through test does not run: ${JSON.stringify(entry)} in ${command}`)
  })
}

async function run(step: ConsoleStep): Promise<void> {
  const assignment = /^([A-Z_][A-Z0-9_]*)=(\S+)$/.exec(step.command)
  if (assignment) {
    expect(step.shown, 'an assignment prints nothing').toBe('')
    shellVariables.set(assignment[1] ?? '', placeholders.fill(assignment[2] ?? ''))
    return
  }
  const request = curlRequest(shellWords(step.command))
  expect(request.url.startsWith(`${README_ORIGIN}/`), `the walk-through talks to ${README_ORIGIN}`).toBe(true)
  const url = server.baseUrl + request.url.slice(README_ORIGIN.length)
  const response = await server.api.request(request.method, url, { headers: request.headers, ...(request.body === undefined ? {} : { raw: request.body }) })

  const shown = readShownOutput(step.shown.replaceAll(README_ORIGIN, server.baseUrl), request.includeHeaders)
  if (step.shown === '') expect(response.status, `nothing is shown, so it succeeds: ${response.text}`).toBeLessThan(300)
  if (shown.status) {
    expect(response.status, response.text).toBe(shown.status.code)
    expect(shown.status.reason).toBe(STATUS_CODES[shown.status.code])
  }
  for (const [name, value] of shown.headers) {
    const actual = response.headers.get(name)
    const match = headerPattern(value, placeholders).exec(actual ?? '')
    expect(match, `${name}: ${actual} does not fit the shown ${value}`).not.toBeNull()
    for (const [placeholder, captured] of Object.entries(match?.groups ?? {})) placeholders.bind(placeholder, captured)
  }
  if (shown.body !== '') {
    expect(response.body, `a JSON body, not ${response.text}`).toBeDefined()
    expect(bodyMismatches(parseShownJson(shown.body), response.body, placeholders)).toEqual([])
  }
}

describe('the README walk-through, run in order against a fresh server', () => {
  it('has the walk-through', () => {
    expect(steps.length).toBeGreaterThan(20)
  })
  for (const step of steps) {
    it(`README.md:${step.line}: $ ${step.command.length > 100 ? `${step.command.slice(0, 100)}...` : step.command}`, () => run(step))
  }
})

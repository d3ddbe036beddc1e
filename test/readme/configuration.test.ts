/**
 * README.md's "Configuration and health checks" table stays true: it lists exactly the
 * environment variables `src/config.ts` reads (found by reading them through a Proxy,
 * not by parsing the source), each shown default is the default, and the endpoints it
 * lists are public GET operations of openapi.yaml.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { loadConfig } from '../../src/config.js'
import { tableUnder } from './markdown-table.js'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const rows = tableUnder(readme, '## Configuration and health checks')

/** The rows whose first cell is a variable (`PORT`), with their default cell. */
const documentedVariables = rows.flatMap(([name = '', fallback = '']) => {
  const variable = /^`([A-Z][A-Z0-9_]*)`$/.exec(name)?.[1]
  return variable === undefined ? [] : [{ variable, fallback }]
})
const documentedEndpoints = rows.flatMap(([name = '']) => /^`GET (\/\S*)`$/.exec(name)?.[1] ?? [])

/** Every variable `loadConfig` looks at, with none of them set. */
function variablesRead(): string[] {
  const read = new Set<string>()
  const env = new Proxy<NodeJS.ProcessEnv>(
    {},
    {
      get(_target, name) {
        if (typeof name === 'string') read.add(name)
        return undefined
      },
      has(_target, name) {
        if (typeof name === 'string') read.add(name)
        return false
      },
    },
  )
  loadConfig(env)
  return [...read].sort()
}

describe('the README configuration table', () => {
  it('lists exactly the variables src/config.ts reads', () => {
    expect(documentedVariables.map((row) => row.variable).sort()).toEqual(variablesRead())
  })

  it('lists each variable once, and every row is a variable or an endpoint', () => {
    const names = documentedVariables.map((row) => row.variable)
    expect(new Set(names).size).toBe(names.length)
    expect(documentedVariables.length + documentedEndpoints.length).toBe(rows.length)
  })

  it('shows each default that is a value (`3000`) as one that changes nothing when set', () => {
    const literal = documentedVariables.flatMap(({ variable, fallback }) => {
      const value = /^`([^`]+)`/.exec(fallback)?.[1]
      return value === undefined ? [] : [{ variable, value }]
    })
    // Only these defaults are written in words ("off", "none", "derived from ...").
    const inWords = documentedVariables.filter(({ variable }) => !literal.some((row) => row.variable === variable))
    expect(inWords.map((row) => row.variable).sort()).toEqual(['CORS_ORIGINS', 'PUBLIC_URL', 'TRUST_PROXY'])
    for (const { variable, value } of literal) {
      expect(loadConfig({ [variable]: value }), `${variable}=${value}`).toEqual(loadConfig({}))
    }
  })

  it('lists the health checks, each a public GET of openapi.yaml', () => {
    expect(documentedEndpoints).toEqual(['/healthz', '/readyz'])
    const spec = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')) as {
      paths: Record<string, { get?: { security?: unknown[] } }>
    }
    for (const path of documentedEndpoints) expect(spec.paths[path]?.get?.security, path).toEqual([])
  })
})

/**
 * generated/response-serializers.cjs: a fast-json-stringify serializer for each closed
 * response schema of the spec, as standalone code (why: src/http/response-serializers.ts).
 * The schemas and options are the ones the server would compile itself, so the same
 * serializers by construction. `inlineValidators`: the Ajv validators that pick a `oneOf`
 * branch (a list's `meta`) are embedded as Ajv standalone code too, not compiled at load.
 */
import build from 'fast-json-stringify'
import type { OpenAPIV3_1 } from 'openapi-types'
import { responseSchemas, stringifyOptions } from '../http/response-serializers.js'
import { scopedModule, standaloneModule } from './standalone-module.js'

/**
 * fast-json-stringify names the schemas it merges (`__fjs_merged_<n>`) from a counter
 * that lives as long as the process, so the same spec would come out differently after
 * any earlier build in the process (a test's). Numbered again in order of appearance,
 * the same spec gives the same file; within the file the names stay distinct.
 */
function withStableMergedNames(code: string): string {
  const renamed = new Map<string, string>()
  return code.replace(/__fjs_merged_\d+/g, (name) => {
    let stable = renamed.get(name)
    if (stable === undefined) {
      stable = `__fjs_merged_${renamed.size}`
      renamed.set(name, stable)
    }
    return stable
  })
}

export function responseSerializersModule(document: OpenAPIV3_1.Document, sha256: string): string {
  const options = stringifyOptions(document)
  const entries = [...responseSchemas(document).compiled].map(([key, schema]) => {
    const code = build(structuredClone(schema), { ...options, mode: 'standalone', inlineValidators: true })
    return [key, scopedModule(code)] as const
  })
  const module = standaloneModule({
    generator: 'src/build/response-serializers.ts',
    description: "fast-json-stringify's serializers for the spec's closed response schemas, as standalone code.",
    sha256,
    exported: 'serializers()',
    entries,
  })
  return withStableMergedNames(module)
}

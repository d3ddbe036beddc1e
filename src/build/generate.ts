/**
 * `npm run generate`, last step (after `redocly bundle` has made openapi.yaml from the
 * hand-written src/openapi/, and openapi-typescript the types): everything else in
 * generated/ that is made from openapi.yaml, so that the server does not make it at each
 * start-up.
 * test/contract/spec.test.ts compares {@link generatedFiles} with the committed files.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { GENERATED_REQUEST_VALIDATORS } from '../http/openapi-backend/precompiled-validators.js'
import { GENERATED_RESPONSE_SERIALIZERS } from '../http/response-serializers.js'
import { GENERATED_OPENAPI_SCHEMA } from '../spec/openapi-schema.js'
import { GENERATED_SPEC, type GeneratedSpec, parseYaml, sha256Of } from '../spec/spec.js'
import { openApiSchemaModule } from './openapi-schema.js'
import { requestValidatorsModule } from './request-validators.js'
import { responseSerializersModule } from './response-serializers.js'

/** Path (from the root) -> content of every file this makes; writes nothing. */
export async function generatedFiles(root: string): Promise<Map<string, string>> {
  const yaml = readFileSync(join(root, 'openapi.yaml'), 'utf8')
  const spec: GeneratedSpec = { sha256: sha256Of(yaml), document: parseYaml(yaml) as GeneratedSpec['document'] }
  return new Map([
    [GENERATED_SPEC, `${JSON.stringify(spec)}\n`],
    [GENERATED_REQUEST_VALIDATORS, await requestValidatorsModule(structuredClone(spec.document), spec.sha256)],
    [GENERATED_RESPONSE_SERIALIZERS, responseSerializersModule(spec.document, spec.sha256)],
    [GENERATED_OPENAPI_SCHEMA, openApiSchemaModule()],
  ])
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = join(import.meta.dirname, '../..')
  for (const [path, content] of await generatedFiles(root)) {
    writeFileSync(join(root, path), content)
    console.error(`wrote ${path}`)
  }
}

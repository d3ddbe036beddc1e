/**
 * A malformed percent-escape in a path parameter is a 400, where openapi-backend's parser
 * throws URIError (a 500). Part of the adapter (backend.ts lists every change).
 */
import { BadRequestError } from '../../errors.js'
import type { Routable, RouteMatch, RouteTable } from '../route-table.js'

/**
 * Path parameters, percent-decoded as openapi-backend's parser decodes them
 * (`decodeURIComponent`, which the route table calls), so its validators see the same
 * values; a malformed escape such as `/tasks/%ZZ` throws URIError there, which would be a
 * 500, and is a 400 here.
 */
export function pathParametersOf<Entry extends Routable>(routes: RouteTable<Entry>, match: RouteMatch<Entry>): Record<string, string> {
  try {
    return routes.parametersOf(match)
  } catch (error) {
    if (!(error instanceof URIError)) throw error
    throw new BadRequestError('A path parameter is not valid percent-encoding.', [{ detail: 'is not valid percent-encoding' }])
  }
}

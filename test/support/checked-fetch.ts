/**
 * A fetch for clients other than `ApiClient` (the SDK in test/client) that holds
 * every response to the spec with the same {@link Contract}, so a test through the SDK
 * is as strict as one through the test client: a response that breaks the contract
 * rejects the call that received it.
 */
import type { Contract } from './contract.js'
import { exercised } from './coverage.js'

/**
 * Wraps the global fetch (or `send`, for a test that puts the checked fetch in the global's
 * place). Pass the contract of the server's `api` (`checkedFetch(server.api.contract)`)
 * to share its compiled validators.
 */
export function checkedFetch(contract: Contract, send: (request: Request) => Promise<Response> = (request) => fetch(request)): (request: Request) => Promise<Response> {
  return async (request) => {
    const response = await send(request)
    // Read a copy: the caller still gets the untouched response (body, url, headers).
    const text = await response.clone().text()
    const observed = { method: request.method, path: new URL(request.url).pathname, status: response.status, headers: response.headers, text }
    exercised(contract.check(observed)?.operationId, response.status)
    return response
  }
}

/**
 * A TCP proxy in front of a server, to play that server's failures without touching it:
 * the fault tests put it between the service and the PostgreSQL cluster that every other
 * test file shares, and cut the service off from its database.
 *
 * - `refuse()`: every open connection is reset, and so is each new one as soon as it is
 *   accepted (as a server that is down, or restarting, answers).
 * - `blackhole()`: every open connection is reset, and new ones are accepted and never
 *   answered (a server behind a dead network path, or frozen): only the client's own
 *   timeout ends them.
 * - `restore()`: forwards again; connections held by the blackhole are reset.
 */
import { createConnection, createServer, type Socket } from 'node:net'

export interface TcpProxy {
  readonly port: number
  refuse(): void
  blackhole(): void
  restore(): void
  close(): Promise<void>
}

type Mode = 'forward' | 'refuse' | 'blackhole'

export async function startTcpProxy(target: { readonly host: string; readonly port: number }): Promise<TcpProxy> {
  let mode: Mode = 'forward'
  /** Both ends of every connection, so that a fault can cut them all. */
  const open = new Set<Socket>()
  const track = (socket: Socket) => {
    open.add(socket)
    socket.once('close', () => open.delete(socket))
    // A reset is what the tests cause: neither end's error is news.
    socket.on('error', () => undefined)
  }
  const cutAll = () => {
    for (const socket of open) socket.resetAndDestroy()
  }

  const server = createServer((client) => {
    track(client)
    if (mode === 'refuse') {
      client.resetAndDestroy()
      return
    }
    if (mode === 'blackhole') {
      // Read and drop whatever the client sends; answer nothing.
      client.resume()
      return
    }
    const upstream = createConnection(target)
    track(upstream)
    client.pipe(upstream).pipe(client)
    client.once('close', () => upstream.destroy())
    upstream.once('close', () => client.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP port')

  return {
    port: address.port,
    refuse: () => {
      mode = 'refuse'
      cutAll()
    },
    blackhole: () => {
      mode = 'blackhole'
      cutAll()
    },
    restore: () => {
      if (mode === 'blackhole') cutAll()
      mode = 'forward'
    },
    close: async () => {
      cutAll()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** `databaseUrl` with its host and port replaced by the proxy's. */
export function throughProxy(databaseUrl: string, proxy: TcpProxy): string {
  const url = new URL(databaseUrl)
  url.hostname = '127.0.0.1'
  url.port = String(proxy.port)
  return url.toString()
}

/** The host and port a database URL names (PostgreSQL's default port when it names none). */
export function targetOf(databaseUrl: string): { host: string; port: number } {
  const url = new URL(databaseUrl)
  return { host: url.hostname, port: url.port === '' ? 5432 : Number(url.port) }
}

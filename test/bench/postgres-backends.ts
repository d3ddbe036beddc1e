/**
 * The CPU time PostgreSQL spends on the benchmark: on SQLite the database's work is done
 * inside the service's own process, on PostgreSQL most of it moves to the server's
 * backend processes (one per pooled connection), so a CPU-per-request figure of the
 * service alone would flatter PostgreSQL. Only the backends connected to the benchmark's
 * own database are counted: the server is shared with whatever else runs on the machine
 * (test suites make databases of their own on it). PostgreSQL's shared background work
 * (WAL writer, checkpointer) is not counted.
 */
import pg from 'pg'
import { processCpuMs } from './servers.js'

/** CPU ms used so far by each backend, by pid. */
export type BackendCpu = ReadonlyMap<number, number>

export interface BackendProbe {
  /** Each backend now serving the database (not this probe's own) and its CPU time so far. */
  snapshot(): Promise<BackendCpu>
  /** `PostgreSQL 15.14`, say. */
  version(): Promise<string>
  close(): Promise<void>
}

export async function openBackendProbe(databaseUrl: string): Promise<BackendProbe> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  return {
    async snapshot() {
      const { rows } = await client.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()')
      const cpu = new Map<number, number>()
      for (const { pid } of rows) {
        const ms = processCpuMs(pid)
        if (ms !== undefined) cpu.set(pid, ms)
      }
      return cpu
    },
    async version() {
      const { rows } = await client.query<{ server_version: string }>('show server_version')
      return `PostgreSQL ${rows[0]?.server_version ?? 'unknown'}`
    },
    close: () => client.end(),
  }
}

/**
 * CPU ms the backends used between two snapshots. A backend that appeared in between
 * counts from zero; one that ended in between is lost, which the pools' connections,
 * busy all through a measured load, do not do.
 */
export function backendCpuBetween(before: BackendCpu, after: BackendCpu): number {
  let used = 0
  for (const [pid, ms] of after) used += ms - (before.get(pid) ?? 0)
  return used
}

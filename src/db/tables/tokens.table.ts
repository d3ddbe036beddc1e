import type { Generated } from 'kysely'

/** The `tokens` table: bearer tokens, kept only as SHA-256 hashes. */
export interface TokensTable {
  id: Generated<number>
  user_id: number
  token_hash: string
  created_at: string
  expires_at: string
}

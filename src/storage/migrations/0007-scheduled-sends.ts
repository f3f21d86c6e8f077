import { type Kysely, type Migration, sql } from 'kysely'

/**
 * Sends to deliver later. A row holds the whole validated request (as JSON) with its tenant and
 * idempotency key until the scheduler delivers it through the ordinary send path, in the same
 * transaction that marks it delivered (see core/schedule.ts for the guarantee).
 *
 * The due index is the one key here that does not lead with the tenant: the scheduler looks for
 * due rows across every tenant. It is partial, so it holds only what is still waiting.
 */
export const scheduledSends: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE scheduled_sends (
      tenant_id text NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      send_at timestamptz NOT NULL,
      status text NOT NULL DEFAULT 'scheduled'
        CHECK (status IN ('scheduled', 'delivered', 'cancelled', 'failed')),
      request jsonb NOT NULL,
      request_hash text NOT NULL,
      idempotency_key text,
      result jsonb,
      error jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz,
      PRIMARY KEY (tenant_id, id)
    )`.execute(db)
    await sql`CREATE UNIQUE INDEX scheduled_sends_key ON scheduled_sends (tenant_id, idempotency_key)
      WHERE idempotency_key IS NOT NULL`.execute(db)
    await sql`CREATE INDEX scheduled_sends_due ON scheduled_sends (send_at)
      WHERE status = 'scheduled'`.execute(db)
    await sql`CREATE INDEX scheduled_sends_list
      ON scheduled_sends (tenant_id, status, send_at, id)`.execute(db)
    await sql`CREATE INDEX scheduled_sends_finished ON scheduled_sends (finished_at)
      WHERE finished_at IS NOT NULL`.execute(db)
  },
}

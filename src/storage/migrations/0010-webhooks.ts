import { type Kysely, type Migration, sql } from 'kysely'

/**
 * Outbound webhooks: a tenant's endpoints, and the outbox of deliveries the worker sends. A
 * delivery is due while `status` is pending and `next_attempt_at` has passed; claiming one moves
 * `next_attempt_at` past the attempt's timeout (a lease), so a worker that dies mid-attempt leaves
 * it to another after the lease.
 */
export const webhooks: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE webhook_endpoints (
      tenant_id text NOT NULL,
      id text NOT NULL,
      url text NOT NULL,
      description text,
      events text[] NOT NULL,
      enabled boolean NOT NULL DEFAULT true,
      secret text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id)
    )`.execute(db)
    await sql`CREATE TABLE webhook_deliveries (
      tenant_id text NOT NULL,
      id bigserial NOT NULL,
      message_id text NOT NULL DEFAULT ('msg_' || replace(gen_random_uuid()::text, '-', '')),
      endpoint_id text NOT NULL,
      event_type text NOT NULL,
      payload text NOT NULL,
      status text NOT NULL DEFAULT 'pending',
      attempts integer NOT NULL DEFAULT 0,
      last_status integer,
      last_error text,
      last_attempt_at timestamptz,
      next_attempt_at timestamptz,
      delivered_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id),
      FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id)
        ON DELETE CASCADE
    )`.execute(db)
    // The worker's claim: the oldest due pending deliveries, across tenants.
    await sql`CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
      WHERE status = 'pending'`.execute(db)
    // An endpoint's deliveries, newest first (the listing; the cascade on delete).
    await sql`CREATE INDEX webhook_deliveries_endpoint
      ON webhook_deliveries (tenant_id, endpoint_id, id DESC)`.execute(db)
    // Finished deliveries by age, for the retention purge.
    await sql`CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (created_at)
      WHERE status <> 'pending'`.execute(db)
  },
}

import { type Kysely, type Selectable, sql } from 'kysely'
import type {
  ClaimedDelivery,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEventType,
  WebhookOutboxStore,
  WebhookStore,
} from '../core/webhooks.ts'
import type { Database, WebhookDeliveriesTable, WebhookEndpointsTable } from './schema.ts'
import { guard } from './store.ts'

const toEndpoint = (r: Selectable<WebhookEndpointsTable>): WebhookEndpoint => ({
  id: r.id,
  tenantId: r.tenant_id,
  url: r.url,
  description: r.description,
  events: r.events as WebhookEventType[],
  enabled: r.enabled,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

const toDelivery = (r: Selectable<WebhookDeliveriesTable>): WebhookDelivery => ({
  id: r.message_id,
  endpointId: r.endpoint_id,
  eventType: r.event_type,
  status: r.status,
  attempts: r.attempts,
  lastStatus: r.last_status,
  lastError: r.last_error,
  lastAttemptAt: r.last_attempt_at,
  nextAttemptAt: r.next_attempt_at,
  deliveredAt: r.delivered_at,
  createdAt: r.created_at,
  payload: JSON.parse(r.payload) as unknown,
  seq: Number(r.id),
})

const ENDPOINT_COLUMNS = [
  'id',
  'tenant_id',
  'url',
  'description',
  'events',
  'enabled',
  'created_at',
  'updated_at',
] as const

/** Endpoint management: every statement names the tenant. */
export function createWebhookStore(db: Kysely<Database>): WebhookStore {
  const endpoints = (tenantId: string) =>
    db.selectFrom('webhook_endpoints').select(ENDPOINT_COLUMNS).where('tenant_id', '=', tenantId)
  return {
    countEndpoints: guard(async (tenantId) => {
      const row = await db
        .selectFrom('webhook_endpoints')
        .select((eb) => eb.fn.countAll<number>().as('c'))
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst()
      return Number(row?.c ?? 0)
    }),
    insertEndpoint: guard(async (e) => {
      await db
        .insertInto('webhook_endpoints')
        .values({
          tenant_id: e.tenantId,
          id: e.id,
          url: e.url,
          description: e.description,
          events: sql<string[]>`${e.events}::text[]`,
          enabled: e.enabled,
          secret: e.secret,
          created_at: e.createdAt,
          updated_at: e.updatedAt,
        })
        .execute()
    }),
    listEndpoints: guard(async (tenantId) => {
      const rows = await endpoints(tenantId).orderBy('created_at').orderBy('id').execute()
      return rows.map((r) => toEndpoint({ ...r, secret: '' }))
    }),
    getEndpoint: guard(async (tenantId, id) => {
      const row = await endpoints(tenantId).where('id', '=', id).executeTakeFirst()
      return row ? toEndpoint({ ...row, secret: '' }) : null
    }),
    updateEndpoint: guard(async (tenantId, id, change, at) => {
      const row = await db
        .updateTable('webhook_endpoints')
        .set({
          url: change.url,
          description: change.description,
          events: change.events === undefined ? undefined : sql<string[]>`${change.events}::text[]`,
          enabled: change.enabled,
          updated_at: at,
        })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .returning(ENDPOINT_COLUMNS)
        .executeTakeFirst()
      return row ? toEndpoint({ ...row, secret: '' }) : null
    }),
    deleteEndpoint: guard(async (tenantId, id) => {
      // Its deliveries go with it (ON DELETE CASCADE): a claimed one finishes into nothing.
      const res = await db
        .deleteFrom('webhook_endpoints')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst()
      return Number(res.numDeletedRows) > 0
    }),
    listDeliveries: guard(async (tenantId, endpointId, before, limit) => {
      let q = db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('endpoint_id', '=', endpointId)
      if (before !== null) q = q.where('id', '<', before)
      const rows = await q.orderBy('id', 'desc').limit(limit).execute()
      return rows.map(toDelivery)
    }),
  }
}

/** The outbox, for the delivery worker. */
export function createWebhookOutboxStore(db: Kysely<Database>): WebhookOutboxStore {
  return {
    subscribed: guard(async (tenantIds) => {
      if (tenantIds.length === 0) return new Set<string>()
      const rows = await db
        .selectFrom('webhook_endpoints')
        .select(['tenant_id', 'events'])
        .where('tenant_id', '=', sql<string>`ANY(${tenantIds}::text[])`)
        .where('enabled', '=', true)
        .execute()
      return new Set(rows.flatMap((r) => r.events.map((t) => `${r.tenant_id}\u0000${t}`)))
    }),
    enqueue: guard(async (entries) => {
      if (entries.length === 0) return 0
      // One statement for a whole batch: tenants without a subscribed endpoint insert nothing.
      const res = await sql`
        INSERT INTO webhook_deliveries
          (tenant_id, endpoint_id, event_type, payload, next_attempt_at, created_at)
        SELECT e.tenant_id, e.id, v.type, v.body, v.at, v.at
        FROM unnest(${entries.map((x) => x.tenantId)}::text[], ${entries.map((x) => x.type)}::text[],
          ${entries.map((x) => x.body)}::text[], ${entries.map((x) => x.at.toISOString())}::timestamptz[])
          WITH ORDINALITY AS v(tenant_id, type, body, at, n)
        JOIN webhook_endpoints e
          ON e.tenant_id = v.tenant_id AND e.enabled AND v.type = ANY(e.events)
        ORDER BY v.n, e.id`.execute(db)
      return Number(res.numAffectedRows ?? 0)
    }),
    claim: guard(async (now, leaseUntil, limit) => {
      const res = await sql<{
        tenant_id: string
        id: number | string
        message_id: string
        attempts: number
        payload: string
        url: string
        secret: string
      }>`
        UPDATE webhook_deliveries d
        SET next_attempt_at = ${leaseUntil}, attempts = d.attempts + 1, last_attempt_at = ${now}
        FROM webhook_endpoints e
        WHERE (d.tenant_id, d.id) IN (
            SELECT q.tenant_id, q.id FROM webhook_deliveries q
            JOIN webhook_endpoints qe
              ON qe.tenant_id = q.tenant_id AND qe.id = q.endpoint_id AND qe.enabled
            WHERE q.status = 'pending' AND q.next_attempt_at <= ${now}
            ORDER BY q.next_attempt_at
            LIMIT ${limit}
            FOR UPDATE OF q SKIP LOCKED)
          AND e.tenant_id = d.tenant_id AND e.id = d.endpoint_id
        RETURNING d.tenant_id, d.id, d.message_id, d.attempts, d.payload, e.url, e.secret`.execute(
        db,
      )
      return res.rows.map(
        (r): ClaimedDelivery => ({
          tenantId: r.tenant_id,
          seq: Number(r.id),
          messageId: r.message_id,
          attempts: r.attempts,
          body: r.payload,
          url: r.url,
          secret: r.secret,
        }),
      )
    }),
    finish: guard(async (d, o) => {
      await db
        .updateTable('webhook_deliveries')
        .set({
          status: o.status,
          last_status: o.lastStatus,
          last_error: o.lastError,
          next_attempt_at: o.nextAttemptAt,
          delivered_at: o.deliveredAt,
        })
        .where('tenant_id', '=', d.tenantId)
        .where('id', '=', d.seq)
        .execute()
    }),
    purge: guard(async (before, limit) => {
      const res = await sql`
        DELETE FROM webhook_deliveries WHERE (tenant_id, id) IN (
          SELECT tenant_id, id FROM webhook_deliveries
          WHERE status <> 'pending' AND created_at < ${before}
          LIMIT ${limit})`.execute(db)
      return Number(res.numAffectedRows ?? 0)
    }),
  }
}

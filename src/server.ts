import { createAuthenticator } from './auth/principal.ts'
import { createTokenVerifier } from './auth/tokens.ts'
import type { Config } from './config.ts'
import { withDeadline } from './core/deadline.ts'
import { createLocalBus, type EventBus } from './core/events.ts'
import { createCore } from './core/herald.ts'
import { createScheduler } from './core/scheduler.ts'
import type { AppDeps, createApp } from './http/app.ts'
import { createApiKeyStore } from './storage/api-key-store.ts'
import { createCleanupJob } from './storage/cleanup-job.ts'
import { migrateStorage, openStorage, type StorageOptions } from './storage/db.ts'
import { createSqlStore } from './storage/store.ts'
import { createWebhookOutboxStore, createWebhookStore } from './storage/webhook-store.ts'
import { createOutbox } from './webhooks/outbox.ts'
import { createWebhookWorker } from './webhooks/worker.ts'

/** Even a drain that used the whole deadline leaves the store this long to close cleanly. */
const STORE_CLOSE_MIN_MS = 1_000

export interface HeraldOptions {
  config: Readonly<Config>
  /** PostgreSQL only: the schema to run in (tests use one per suite). */
  schema?: string
  /** PGlite only: start from this dump of a migrated store (tests). */
  snapshot?: string
  /** PGlite only: the store's worker, started already (see StorageOptions.pglite). */
  pglite?: StorageOptions['pglite']
  logger?: AppDeps['logger']
  clock?: () => Date
  extend?: AppDeps['extend']
  /**
   * Run the background work: the clean-up, the webhook worker, and the scheduler unless
   * HERALD_SCHEDULER=off (the server does; CLI commands and tests do not: tests start
   * `webhooks.worker` and `scheduler` themselves).
   */
  background?: boolean
}

/**
 * Opens the store, applies migrations and builds the app, without listening.
 *
 * @example
 * const herald = await buildHerald({ config: loadConfig() })
 * await herald.app.listen({ port: 8787 })
 */
export async function buildHerald({
  config,
  schema,
  snapshot,
  pglite,
  logger = false,
  clock,
  extend,
  background = false,
}: HeraldOptions) {
  const storage = await openStorage({
    url: config.databaseUrl,
    schema,
    snapshot,
    pglite,
    poolSize: config.database.poolSize,
    statementTimeoutMs: config.database.statementTimeoutMs,
    fsync: config.pgliteFsync,
    sharedBuffersMb: config.pgliteSharedBuffersMb,
    optimize: config.pgliteOptimize,
    queuePerUser: config.pgliteQueuePerUser,
  })
  let log = (msg: string, err: unknown) => console.warn(msg, err)
  let events: (EventBus & { close?: () => Promise<void> }) | null = null
  let app: Awaited<ReturnType<typeof createApp>>
  let core: ReturnType<typeof createCore>
  let auth: ReturnType<typeof createAuthenticator>
  const outboxStore = createWebhookOutboxStore(storage.db)
  const worker = createWebhookWorker({
    store: outboxStore,
    settings: config.webhooks,
    clock,
    onError: (err) => log('webhook delivery failed to run', err),
  })
  const outbox = createOutbox({
    store: outboxStore,
    maxQueued: config.webhooks.queueMax,
    onWritten: () => worker.wake(),
    warn: (msg, err) => log(msg, err),
  })
  // The migrations run (on PGlite, once its worker thread has started) while this thread loads
  // and builds the app, which queries nothing until it serves; it listens after both.
  const migrated = migrateStorage(storage)
  migrated.catch(() => {}) // awaited below
  try {
    const { createApp } = await import('./http/app.ts')
    const store = createSqlStore(storage.db, { contentWindow: config.limits.contentWindow })
    // The bus starts before the app and its logger: its warnings reach the log once both exist.
    events = config.redisUrl
      ? (await import('./realtime/redis-bus.ts')).createRedisBus(config.redisUrl, {
          prefix: config.redisPrefix,
          warn: (msg, err) => log(msg, err),
        })
      : createLocalBus()
    core = createCore({
      store,
      events,
      clock,
      adminReach: config.adminReach,
      webhooks: { store: createWebhookStore(storage.db), sink: outbox, settings: config.webhooks },
      scheduleHorizonMs: config.scheduler.horizonMs,
      versions: {
        maxUsers: config.polling.versionUsers,
        lifetimeMs: config.polling.versionLifetimeMs,
      },
      broadcasts: config.broadcasts,
    })
    const keys = createApiKeyStore(storage.db)
    auth = createAuthenticator({
      keys,
      tokens: createTokenVerifier(config.tokens),
      events,
      clock,
    })
    const built = await createApp({ core, auth, config, logger, extend })
    // A server's schemas compile in the background from now: the store (PGlite's worker) is
    // usually still starting, and the first compilations are the costly ones (ajv's
    // meta-schemas), which would otherwise hold up the first requests after the listen.
    if (background) built.routeSchemas.warmUp()
    await migrated.catch(async (err: unknown) => {
      await built.close()
      throw err
    })
    app = built
    const appLog = app.log
    log = (msg, err) => appLog.warn({ err }, msg)
  } catch (err) {
    // A server that refuses to start (say, colliding dialects, or a store it cannot migrate)
    // must not keep its store open, nor close it under a migration still running.
    await migrated.catch(() => {})
    await events?.close?.()
    await storage.close()
    throw err
  }
  const bus = events
  const cleanup = createCleanupJob({
    db: storage.db,
    settings: config.cleanup,
    purgeNotifications: core.retention.purgeChunk,
    clock,
    onRun: (r) => {
      const any = r.idempotencyKeys || r.messages || r.scheduledSends || r.broadcasts
      if (any || r.expired || r.read || r.old) app.log.info({ cleanup: r }, 'cleaned up')
    },
    onError: (err) => app.log.warn({ err }, 'clean-up failed; retrying later'),
  })
  const scheduler = createScheduler({
    schedules: core.schedules,
    intervalMs: config.scheduler.intervalMs,
    batch: config.scheduler.batch,
    onRun: (r) => app.log.info({ scheduled: r }, 'delivered scheduled sends'),
    onError: (err) => app.log.warn({ err }, 'scheduled delivery failed; retrying later'),
  })
  if (background) {
    cleanup.start()
    worker.start()
  }
  if (background && config.scheduler.enabled) scheduler.start()
  return {
    app,
    core,
    auth,
    storage,
    cleanup,
    /** The outbox core reports webhook events to, and the worker that delivers them. */
    webhooks: { outbox, worker },
    scheduler,
    /**
     * Stops the clean-up job and the scheduler (each waits for its run under way), drains the app (in-flight requests finish; what is open at the
     * shutdown deadline is cut), then closes the store, which gets what is left of the deadline:
     * a frozen database must not hold the process forever.
     */
    async close() {
      const started = Date.now()
      await Promise.all([cleanup.stop(), scheduler.stop()])
      await app.close()
      await bus.close?.()
      // Events of the requests that just finished reach the outbox; attempts in flight end (each
      // by its timeout) and are recorded, before the store closes.
      await withDeadline(outbox.flush(), STORE_CLOSE_MIN_MS, 'writing webhook events').catch(
        (err: unknown) => app.log.warn({ err }, 'webhook events were not all written'),
      )
      await worker.stop()
      const left = Math.max(STORE_CLOSE_MIN_MS, config.shutdownTimeoutMs - (Date.now() - started))
      await withDeadline(storage.close(), left, 'closing the store').catch((err: unknown) =>
        app.log.warn({ err }, 'the store did not close in time'),
      )
    },
  }
}

export type Herald = Awaited<ReturnType<typeof buildHerald>>

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { describeEngines, type TestHerald } from '../support/harness.ts'
import { world as tenantWorld } from '../support/world.ts'

const BASE = '/compat/productive/api/v2/notifications'
const HOST = 'api-test.productive.io'
const JSONAPI = 'application/vnd.api+json; charset=utf-8'
// The browser Accept header of the document's examples: never negotiated on.
const ACCEPT = 'text/xml,application/xml,application/xhtml+xml,text/html;q=0.9,*/*;q=0.5'

/** A tenant with a producer key and one user's Productive headers. */
async function world(h: TestHerald, user = 'alice') {
  const w = await tenantWorld(h, { notification: { type: 'task_created', title: 'T' } })
  const headers = {
    'x-auth-token': await w.token(user),
    'x-organization-id': w.tenant,
    accept: ACCEPT,
    host: HOST,
  }
  const seed = async (body: Record<string, unknown> = {}, to = user): Promise<string> =>
    String((await w.seed(to, body)).id)
  const get = (url: string) => h.app.inject({ method: 'GET', url, headers })
  const ids = async (query: string): Promise<string[]> => {
    const res = await get(`${BASE}?${query}`)
    assert.equal(res.statusCode, 200, res.body)
    return (res.json().data as Array<{ id: string }>).map((d) => d.id)
  }
  return { tenant: w.tenant, user, headers, seed, get, ids }
}

const error = (status: number, title: string, detail: string) => ({
  errors: [{ status, title, detail }],
})

const link = (query: string) => `http://${HOST}${BASE}?${query}`

describeEngines('productive conformance', (ctx) => {
  describe('resource and list envelope', () => {
    test('GET /notifications/{id} renders the documented resource object exactly', async () => {
      const h = ctx()
      const w = await world(h)
      const id = await w.seed({
        title: 'created task <b>#1: Ticket title</b> on <b>[Client1475] test project</b>',
        target: { id: '44', type: 'Task', title: '#1: Ticket title', label: 'Task' },
        parent: { id: 563, type: 'project', title: '[Client1475] test project' },
        project: { id: '563' },
        data: { first_unread_activity_id: 13, changeset: [] },
      })
      const res = await w.get(`${BASE}/${id}`)
      assert.equal(res.statusCode, 200)
      assert.equal(res.headers['content-type'], JSONAPI)
      assert.deepEqual(res.json(), {
        data: {
          id,
          type: 'notifications',
          attributes: {
            target_id: 44,
            target_type: 'task',
            target_title: '#1: Ticket title',
            parent_id: 563,
            parent_type: 'project',
            parent_title: '[Client1475] test project',
            title: 'created task <b>#1: Ticket title</b> on <b>[Client1475] test project</b>',
            read: false,
            dismissed: false,
            new_activities_count: 1,
            excerpt: '',
            last_action_at: null,
            first_unread_activity_id: 13,
            changeset: [],
            important: false,
            mention: false,
            target_label: 'task',
            made_by_automation: false,
            root_id: null,
            root_type: null,
          },
          relationships: {
            organization: { data: { type: 'organizations', id: w.tenant } },
            actor: { meta: { included: false } },
            owner: { data: { type: 'organization_memberships', id: w.user } },
          },
        },
        meta: {},
      })
    })

    test('every attribute is fed by its native field; absent ones are null', async () => {
      const h = ctx()
      const w = await world(h)
      const changeset = [{ field: 'status', from: 'open', to: 'done' }]
      const common = {
        body: 'Looks good to me',
        target: { id: 'T-9', type: 'Todo', title: 'Do it' },
        root: { id: '7', type: 'Deal', title: 'Deal' },
        actor: { id: '5', displayName: 'Ann' },
        important: true,
        mention: true,
        automated: true,
        groupKey: 'todo-9',
        data: { changeset, first_unread_activity_id: 'abc' },
      }
      await w.seed({ ...common, lastActionAt: '2026-03-01T10:00:00Z' })
      const id = await w.seed({ ...common, lastActionAt: '2026-03-16T04:08:24.488Z' })
      const a = (await w.get(`${BASE}/${id}`)).json().data.attributes
      assert.equal(a.target_id, 'T-9')
      assert.equal(a.target_type, 'todo')
      assert.equal(a.target_label, null)
      assert.deepEqual([a.parent_id, a.parent_type, a.parent_title], [null, null, null])
      assert.deepEqual([a.root_id, a.root_type], [7, 'deal'])
      assert.equal(a.excerpt, 'Looks good to me')
      assert.deepEqual([a.important, a.mention, a.made_by_automation], [true, true, true])
      assert.deepEqual([a.read, a.dismissed], [false, false])
      assert.equal(a.new_activities_count, 2)
      assert.equal(a.last_action_at, '2026-03-16T04:08:24.488Z')
      assert.deepEqual(a.changeset, changeset)
      assert.equal(a.first_unread_activity_id, 'abc')
      assert.equal(Object.keys(a).length, 20)
      const done = await w.seed({ read: true, dismissed: '2026-03-02T00:00:00Z' })
      const b = (await w.get(`${BASE}/${done}`)).json().data.attributes
      assert.deepEqual(
        [b.read, b.dismissed, b.target_id, b.new_activities_count],
        [true, true, null, 1],
      )
    })

    test('an empty list is the documented document: total_pages 0 and last at page 0', async () => {
      const h = ctx()
      const w = await world(h)
      const res = await w.get(BASE)
      assert.equal(res.statusCode, 200)
      assert.equal(res.headers['content-type'], JSONAPI)
      assert.deepEqual(res.json(), {
        data: [],
        links: {
          first: link('page%5Bnumber%5D=1&page%5Bsize%5D=30'),
          last: link('page%5Bnumber%5D=0&page%5Bsize%5D=30'),
        },
        meta: {
          current_page: 1,
          total_pages: 0,
          total_count: 0,
          page_size: 30,
          max_page_size: 200,
        },
      })
    })

    test('numbered pages: meta, and prev/next only where they apply', async () => {
      const h = ctx()
      const w = await world(h)
      for (let i = 0; i < 5; i++) await w.seed({ title: `n${i}` })
      const page = async (n: number) =>
        (await w.get(`${BASE}?page[number]=${n}&page[size]=2`)).json()
      const q = (n: number) => `page%5Bnumber%5D=${n}&page%5Bsize%5D=2`
      const p1 = await page(1)
      assert.equal(p1.data.length, 2)
      assert.deepEqual(p1.meta, {
        current_page: 1,
        total_pages: 3,
        total_count: 5,
        page_size: 2,
        max_page_size: 200,
      })
      assert.deepEqual(p1.links, { first: link(q(1)), next: link(q(2)), last: link(q(3)) })
      const p2 = await page(2)
      assert.deepEqual(Object.keys(p2.links), ['first', 'prev', 'next', 'last'])
      assert.equal(p2.links.prev, link(q(1)))
      const p3 = await page(3)
      assert.equal(p3.data.length, 1)
      assert.deepEqual(p3.links, { first: link(q(1)), prev: link(q(2)), last: link(q(3)) })
      const seen = [...p1.data, ...p2.data, ...p3.data].map((d: { id: string }) => d.id)
      assert.equal(new Set(seen).size, 5)
      const beyond = await page(9)
      assert.deepEqual(beyond.data, [])
      assert.equal(beyond.meta.current_page, 9)
      assert.equal(beyond.links.prev, link(q(8)))
    })

    test('links repeat filters and sort, URL-encoded and in Rails to_query order', async () => {
      const h = ctx()
      const w = await world(h)
      await w.seed({ target: { id: '85', type: 'task' }, project: { id: '618' } })
      const res = await w.get(`${BASE}?sort=-id&filter[type]=Task,Todo&filter[project_id]=618`)
      assert.equal(res.statusCode, 200)
      const q =
        'filter%5Bproject_id%5D=618&filter%5Btype%5D=Task%2CTodo&page%5Bnumber%5D=1&page%5Bsize%5D=30&sort=-id'
      assert.deepEqual(res.json().links, { first: link(q), last: link(q) })
    })

    test('page errors are 400 Invalid page value (or the paginator error)', async () => {
      const h = ctx()
      const w = await world(h)
      const cases: Array<[string, ReturnType<typeof error>]> = [
        [
          'page[size]=201',
          error(400, 'Invalid page value', 'size exceeds maximum page size of 200.'),
        ],
        [
          'page[size]=0',
          error(400, 'Invalid page value', '0 is not a valid value for size page parameter.'),
        ],
        [
          'page[size]=abc',
          error(400, 'Invalid page value', 'abc is not a valid value for size page parameter.'),
        ],
        [
          'page[number]=0',
          error(400, 'Invalid page value', '0 is not a valid value for number page parameter.'),
        ],
        [
          'page[number]=-1',
          error(400, 'Invalid page value', '-1 is not a valid value for number page parameter.'),
        ],
        [
          'page[offset]=3',
          error(400, 'Page parameter not allowed', 'offset is not an allowed page parameter.'),
        ],
        ['page=3', error(400, 'Invalid Page Object', 'Invalid Page Object.')],
      ]
      for (const [query, body] of cases) {
        const res = await w.get(`${BASE}?${query}`)
        assert.equal(res.statusCode, 400, query)
        assert.equal(res.headers['content-type'], JSONAPI)
        assert.deepEqual(res.json(), body, query)
      }
      assert.equal((await w.get(`${BASE}?page[size]=200`)).json().meta.page_size, 200)
    })
  })

  describe('sorting', () => {
    test('default order is -last_action_at with nulls last, then -id', async () => {
      const h = ctx()
      const w = await world(h)
      const a = await w.seed({ lastActionAt: '2026-03-10T00:00:00Z' })
      const b = await w.seed({})
      const c = await w.seed({ lastActionAt: '2026-03-12T00:00:00Z' })
      const d = await w.seed({})
      const e = await w.seed({ lastActionAt: '2026-03-10T00:00:00Z' })
      assert.deepEqual(await w.ids(''), [c, e, a, d, b])
      assert.deepEqual(await w.ids('sort=-last_action_at'), [c, e, a, d, b])
      assert.deepEqual(await w.ids('sort=last_action_at'), [a, e, c, b, d])
      assert.deepEqual(await w.ids('sort=id'), [a, b, c, d, e])
      assert.deepEqual(await w.ids('sort=-id'), [e, d, c, b, a])
    })

    test('created_at sorts both ways; anything else is 400 Invalid sort criteria', async () => {
      const h = ctx()
      const w = await world(h)
      const a = await w.seed({ createdAt: '2026-01-03T00:00:00Z' })
      const b = await w.seed({ createdAt: '2026-01-01T00:00:00Z' })
      const c = await w.seed({ createdAt: '2026-01-02T00:00:00Z' })
      assert.deepEqual(await w.ids('sort=created_at'), [b, c, a])
      assert.deepEqual(await w.ids('sort=-created_at'), [a, c, b])
      for (const bad of ['title', '-read', 'id,created_at', '+id', 'constructor', '-__proto__']) {
        const res = await w.get(`${BASE}?sort=${encodeURIComponent(bad)}`)
        assert.equal(res.statusCode, 400)
        assert.deepEqual(
          res.json(),
          error(
            400,
            'Invalid sort criteria',
            `${bad} is not a valid sort criteria for notifications`,
          ),
        )
      }
    })
  })

  describe('filters', () => {
    test('id (one or a comma list), dismissed, important; dismissed shown by default', async () => {
      const h = ctx()
      const w = await world(h)
      const a = await w.seed({ important: true })
      const b = await w.seed({ dismissed: true })
      const c = await w.seed({})
      assert.deepEqual(await w.ids('sort=id'), [a, b, c])
      assert.deepEqual(await w.ids(`filter[id]=${b}`), [b])
      assert.deepEqual(await w.ids(`filter[id][eq]=${b}`), [b])
      assert.deepEqual(await w.ids(`sort=id&filter[id]=${a},${c},999999`), [a, c])
      assert.deepEqual(await w.ids('sort=id&filter[dismissed]=false'), [a, c])
      assert.deepEqual(await w.ids('filter[dismissed]=true'), [b])
      assert.deepEqual(await w.ids('filter[important]=true'), [a])
      assert.deepEqual(await w.ids('sort=id&filter[important]=false'), [b, c])
      assert.deepEqual(await w.ids('filter[important]=false&filter[dismissed]=false'), [c])
    })

    test('type matches target_type case-insensitively; project_id includes nested targets', async () => {
      const h = ctx()
      const w = await world(h)
      const task = await w.seed({
        target: { id: '85', type: 'task' },
        parent: { id: '618', type: 'project' },
        project: { id: '618' },
      })
      const todo = await w.seed({
        target: { id: '1', type: 'todo' },
        parent: { id: '81', type: 'task' },
        project: { id: '618' },
      })
      const other = await w.seed({ target: { id: '2', type: 'Task' }, project: { id: '700' } })
      assert.deepEqual(await w.ids('sort=id&filter[type]=Task'), [task, other])
      assert.deepEqual(await w.ids('filter[type]=TODO'), [todo])
      assert.deepEqual(await w.ids('sort=id&filter[type]=Todo,task'), [task, todo, other])
      assert.deepEqual(await w.ids('sort=id&filter[project_id]=618'), [task, todo])
      assert.deepEqual(await w.ids('filter[project_id]=618&filter[type]=Task'), [task])
      assert.deepEqual(await w.ids('filter[project_id]=81'), [])
    })

    test('date_before / date_after are whole UTC days; before / after are strict instants', async () => {
      const h = ctx()
      const w = await world(h)
      const d16 = await w.seed({ lastActionAt: '2026-03-16T04:08:24.488Z' })
      const d17 = await w.seed({ lastActionAt: '2026-03-17T00:00:00.000Z' })
      const d17late = await w.seed({ lastActionAt: '2026-03-17T23:59:59.999Z' })
      const d18 = await w.seed({ lastActionAt: '2026-03-18T04:08:25.180Z' })
      await w.seed({})
      assert.deepEqual(await w.ids('filter[date_before]=2026-03-17'), [d16])
      assert.deepEqual(await w.ids('filter[date_after]=2026-03-17'), [d18])
      assert.deepEqual(await w.ids('sort=id&filter[date_after]=2026-03-16'), [d17, d17late, d18])
      const at = encodeURIComponent('2026-03-17T00:00:00Z')
      assert.deepEqual(await w.ids(`filter[before]=${at}`), [d16])
      assert.deepEqual(await w.ids(`sort=id&filter[after]=${at}`), [d17late, d18])
      assert.deepEqual(await w.ids('sort=id&filter[after]=2026-03-17T01:00:00%2B02:00'), [
        d17,
        d17late,
        d18,
      ])
      assert.deepEqual(await w.ids('filter[after]=2026-03-17&filter[before]=2026-03-18'), [d17late])
      assert.deepEqual(
        await w.ids('filter[date_before]=2026-03-18&filter[before]=2026-03-17T12:00:00Z'),
        [d17, d16],
      )
      assert.deepEqual(await w.ids('filter[date_after]=9999-12-31'), [])
    })

    test('an unsupported filter name is 400 Unsupported Filter with the name substituted', async () => {
      const h = ctx()
      const w = await world(h)
      for (const name of ['undefined', 'read', 'project', '$op', 'constructor', '__proto__']) {
        const res = await w.get(`${BASE}?filter[${encodeURIComponent(name)}]=1`)
        assert.equal(res.statusCode, 400)
        assert.equal(res.headers['content-type'], JSONAPI)
        assert.deepEqual(
          res.json(),
          error(400, 'Unsupported Filter', `Filter '${name}' is not supported on this endpoint`),
        )
      }
    })

    test('a filter value past HERALD_MAX_FILTER_TEXT (256) is a 400 that does not echo it', async () => {
      const h = ctx()
      const w = await world(h)
      assert.equal((await w.get(`${BASE}?filter[id]=${'1,'.repeat(127)}1`)).statusCode, 200)
      for (const name of ['id', 'type', 'project_id']) {
        const res = await w.get(`${BASE}?filter[${name}]=${'1,'.repeat(2000)}1`)
        assert.equal(res.statusCode, 400)
        assert.equal(res.headers['content-type'], JSONAPI)
        const detail = `The value for ${name} is longer than 256 characters.`
        assert.deepEqual(res.json(), error(400, 'Invalid filter value', detail))
      }
    })

    test('bad filter values, operators and syntax are 400 in the JSON:API shape', async () => {
      const h = ctx()
      const w = await world(h)
      const bad = (name: string, value: string) =>
        error(400, 'Invalid filter value', `${value} is not a valid value for ${name}.`)
      const cases: Array<[string, ReturnType<typeof error>]> = [
        ['filter[id]=abc', bad('id', 'abc')],
        ['filter[id]=1,,2', bad('id', '1,,2')],
        ['filter[dismissed]=maybe', bad('dismissed', 'maybe')],
        ['filter[important]=', bad('important', '')],
        ['filter[date_before]=2026-02-30', bad('date_before', '2026-02-30')],
        ['filter[date_after]=17.03.2026', bad('date_after', '17.03.2026')],
        ['filter[before]=yesterday', bad('before', 'yesterday')],
        ['filter[project_id]=1,2', bad('project_id', '1,2')],
        [
          'filter[id][gt]=3',
          error(
            400,
            'Unsupported Filter',
            "Filter 'id' does not support the 'gt' operator on this endpoint",
          ),
        ],
        [
          'filter[id][like]=3',
          error(400, 'Unsupported Filter', "Operator 'like' is not a filter operator"),
        ],
        [
          'filter=foo',
          error(400, 'Invalid filters syntax', 'foo is not a valid syntax for filtering.'),
        ],
        [
          'filter[a][b][c]=1',
          error(
            400,
            'Invalid filters syntax',
            'filter[a][b][c] is not a valid syntax for filtering.',
          ),
        ],
      ]
      for (const [query, body] of cases) {
        const res = await w.get(`${BASE}?${query}`)
        assert.equal(res.statusCode, 400, query)
        assert.deepEqual(res.json(), body, query)
      }
    })
  })
})

// Runs every ClickHouse statement Tollgate issues against ClickHouse 26.x (chdb, in-process) and
// checks the answers equal the ones computed here from the fixture rows (the numbers the 18.16
// server gives in the module's ITs).
//
// Input: the file PrintSql.java writes (`-- compat: NAME` lines, each followed by one statement);
// `run` produces it from the real SpendRollup and analytics-api builders. Statement names, the
// database and the fixture's hours/event ids are the contract with PrintSql.java.
//
// Usage: node check.mjs PRINTED_SQL_FILE [MIGRATIONS_DIR [NATIVE_BLOCK EXPECTED_ROWS]]. Exit 1 when any
// check fails. NATIVE_BLOCK and EXPECTED_ROWS are what PrintNativeBlock.java writes: a block of raw
// rows encoded by the attribution job's sink, and some of its rows as they must read back.
// Single-threaded; one temporary chdb session, removed at the end.
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session } from 'chdb';

const here = dirname(fileURLToPath(import.meta.url));
const printedFile = process.argv[2];
const migrationsDir = process.argv[3] ?? join(here, '..', 'migrations');
const [nativeBlock, nativeExpected] = process.argv.slice(4);
if (!printedFile) {
  console.error('usage: node check.mjs PRINTED_SQL_FILE [MIGRATIONS_DIR]');
  process.exit(2);
}

const DB = 'tollgate_compat';
const H0 = 1740823200; // 2025-03-01T10:00:00Z, as PrintSql.H0
const H1 = H0 + 3600;
const H2 = H0 + 7200;

let passed = 0;
const failures = [];
function check(name, fn) {
  try {
    fn();
    passed++;
  } catch (e) {
    failures.push(name);
    console.log(`FAIL ${name}\n  ${String(e.message ?? e).split('\n').join('\n  ')}`);
  }
}
function assertEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) {
    throw new Error(`${what}: got ${a}, expected ${b}`);
  }
}

const session = new Session();
function exec(sql) {
  return session.query(sql, 'CSV');
}
function rows(sql) {
  // Numbers normalised: 64-bit integers may come quoted or not depending on the server's defaults.
  const text = session.query(sql, 'JSONEachRow');
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}
function stmt(sql, name) {
  try {
    return exec(sql);
  } catch (e) {
    throw new Error(`${e.message.split('\n')[0]}\n  statement (${name}): ${sql.slice(0, 400)}${sql.length > 400 ? ' …' : ''}`);
  }
}

// --- Statements as the Java runner splits them (dev.tollgate.clickhouse.Migrations) ----------
function splitStatements(sql) {
  const out = [];
  const end = /;[ \t]*(\r?\n|$)/g;
  let start = 0;
  let m;
  const add = (piece) => {
    if (piece.split(/\r?\n/).some((line) => line.trim() !== '' && !line.trim().startsWith('--'))) {
      out.push(piece.trim());
    }
  };
  while ((m = end.exec(sql)) !== null) {
    add(sql.slice(start, m.index));
    start = m.index + m[0].length;
    if (m[0].length === 0) end.lastIndex++;
  }
  add(sql.slice(start));
  return out;
}

function loadPrinted(file) {
  const map = new Map();
  let name = null;
  let lines = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^-- compat: (\S+)$/.exec(line);
    if (m) {
      if (name) map.set(name, lines.join('\n').trim());
      name = m[1];
      lines = [];
    } else {
      lines.push(line);
    }
  }
  if (name) map.set(name, lines.join('\n').trim());
  return map;
}

// --- Fixture: raw rows as the attribution job writes them ---------------------------------------
// e1 twice (redelivery re-priced: version 2 wins), e4 unpriced (NULL cost), e3 an upstream error,
// g1 another tenant. e4 is re-priced (version 2, priced) later to exercise rebuildHoursStatements.
const base = {
  received_at_us: 0, protocol: 'openai', http_method: 'POST', path_template: '/v1/chat/completions',
  operation: 'chat', stream: 0, finish_reasons: ['stop'], usage_source: 'provider', service_tier: '',
  cost_center: '', trace_id: '', span_id: '', pricing_status: 'priced', price_ref: 'catalog@1',
  cache_read_input_tokens: 0, cache_write_input_tokens: 0, cache_write_1h_input_tokens: 0, reasoning_tokens: 0,
  request_bytes: 100, response_bytes: 200, ingested_at: H2, error_type: '',
};
function row(o) {
  return { ...base, request_model: o.model, response_model: o.model, response_id: `r-${o.event_id}`, ...o };
}
const fixture = [
  row({ event_id: 'e1', tenant: 'acme', ts: H0 + 60, team: 'search', user: 'u1', service: 'svc', environment: 'prod',
    provider: 'openai', model: 'gpt-4o', key_fingerprint: 'k1', status_code: 200, outcome: 'ok', input_tokens: 100,
    output_tokens: 50, reasoning_tokens: 5, cost_nanos: 1500000000, duration_us: 120000, ttft_us: 40000,
    tag_keys: ['env'], tag_values: ['prod'], version: 1 }),
  row({ event_id: 'e1', tenant: 'acme', ts: H0 + 60, team: 'search', user: 'u1', service: 'svc', environment: 'prod',
    provider: 'openai', model: 'gpt-4o', key_fingerprint: 'k1', status_code: 200, outcome: 'ok', input_tokens: 100,
    output_tokens: 60, reasoning_tokens: 5, cost_nanos: 2000000001, duration_us: 120000, ttft_us: 40000,
    tag_keys: ['env'], tag_values: ['prod'], version: 2 }),
  row({ event_id: 'e2', tenant: 'acme', ts: H0 + 1800, team: 'search', user: 'u2', service: 'svc', environment: 'dev',
    provider: 'anthropic', model: 'claude', key_fingerprint: 'k2', status_code: 200, outcome: 'ok', input_tokens: 10,
    cache_read_input_tokens: 4, output_tokens: 5, cost_nanos: 100000000, duration_us: 2500, ttft_us: null,
    tag_keys: ['env'], tag_values: ['dev'], version: 1 }),
  row({ event_id: 'e3', tenant: 'acme', ts: H1 + 10, team: 'ads', user: 'u3', service: 's2', environment: '',
    provider: 'openai', model: 'gpt-4o', key_fingerprint: 'k3', status_code: 429, outcome: 'upstream_error',
    error_type: 'rate_limit', input_tokens: 0, output_tokens: 0, cost_nanos: 0, duration_us: 800, ttft_us: null,
    tag_keys: [], tag_values: [], version: 1 }),
  row({ event_id: 'e4', tenant: 'acme', ts: H1 + 20, team: "o'k", user: 'u3', service: 's2', environment: '',
    provider: 'openai', model: 'gpt-4o', key_fingerprint: 'k3', status_code: 200, outcome: 'ok', input_tokens: 7,
    output_tokens: 3, cost_nanos: null, pricing_status: 'unpriced', duration_us: 50000, ttft_us: 9000,
    tag_keys: [], tag_values: [], version: 1 }),
  row({ event_id: 'g1', tenant: 'globex', ts: H0 + 60, team: 'search', user: 'spy', service: 'x', environment: 'prod',
    provider: 'openai', model: 'gpt-4o', key_fingerprint: 'k9', status_code: 200, outcome: 'ok', input_tokens: 1000,
    output_tokens: 1000, cost_nanos: 9000000000, duration_us: 1000, ttft_us: 500, tag_keys: ['env'],
    tag_values: ['prod'], version: 1 }),
];
const e4Repriced = { ...fixture[4], cost_nanos: 700000000, pricing_status: 'priced', version: 2 };

/** What FINAL gives: per event, the row with the highest version. */
function latest(all) {
  const byId = new Map();
  for (const r of all) {
    const seen = byId.get(r.event_id);
    if (!seen || r.version >= seen.version) byId.set(r.event_id, r);
  }
  return [...byId.values()];
}
/** The m_* metrics of SpendRollup over the latest rows of one tenant in [H0, H2), optionally team-scoped. */
function expectedMetrics(all, teams = null) {
  const rs = latest(all).filter((r) => r.tenant === 'acme' && r.ts >= H0 && r.ts < H2
    && (teams === null || teams.includes(r.team)));
  const sum = (f) => rs.reduce((s, r) => s + f(r), 0);
  return {
    m_requests: rs.length,
    m_errors: sum((r) => (r.outcome !== 'ok' || r.status_code >= 400 ? 1 : 0)),
    m_unpriced_requests: sum((r) => (r.cost_nanos === null ? 1 : 0)),
    m_input_tokens: sum((r) => r.input_tokens),
    m_cache_read_input_tokens: sum((r) => r.cache_read_input_tokens),
    m_output_tokens: sum((r) => r.output_tokens),
    m_reasoning_tokens: sum((r) => r.reasoning_tokens),
    m_cost_nanos: sum((r) => r.cost_nanos ?? 0),
  };
}
function pick(row, expected) {
  const out = {};
  for (const k of Object.keys(expected)) out[k] = row[k] === undefined ? undefined : Number(row[k]);
  return out;
}
function insertInvocations(rs) {
  exec(`INSERT INTO ${DB}.invocations FORMAT JSONEachRow\n${rs.map((r) => JSON.stringify(r)).join('\n')}\n`);
}

// --- Run ----------------------------------------------------------------------------------------
const printed = loadPrinted(printedFile);
const used = new Set();
function sqlOf(name) {
  const sql = printed.get(name);
  if (sql === undefined) throw new Error(`PrintSql printed no statement named ${name}`);
  used.add(name);
  return sql;
}

const t0 = Date.now();
try {
  check('engine is ClickHouse 26.x', () => {
    const v = rows('SELECT version() AS v')[0].v;
    if (!/^26\./.test(v)) throw new Error(`version ${v}`);
    console.log(`clickhouse ${v} (chdb)`);
  });
  exec(`CREATE DATABASE ${DB}`);
  exec(`USE ${DB}`);

  // (a) Every migration, in name order, split like the Java runner, applied twice (IF NOT EXISTS;
  // an ADD COLUMN whose column is there already counts as done, as in the runner).
  const files = readdirSync(migrationsDir).filter((f) => /^\d{3}_[A-Za-z0-9_]+\.sql$/.test(f)).sort();
  check('migrations found', () => { if (files.length === 0) throw new Error(`no migrations in ${migrationsDir}`); });
  for (const pass of [1, 2]) {
    for (const f of files) {
      splitStatements(readFileSync(join(migrationsDir, f), 'utf8')).forEach((s, i) => {
        check(`migration ${f} #${i + 1} (pass ${pass})`, () => {
          try {
            stmt(s, `${f} #${i + 1}`);
          } catch (e) {
            if (pass === 1 || !/\bALTER\s+TABLE\s[\s\S]*\sADD\s+COLUMN\s/i.test(s) || !/already exists/.test(e.message)) throw e;
          }
        });
      });
    }
  }

  // (b) Raw rows: a duplicate event with a higher version, an unpriced row, another tenant.
  // The duplicate of e1 arrives in its own insert, as a redelivery does: within ONE block, modern
  // ClickHouse already collapses ReplacingMergeTree duplicates at insert (optimize_on_insert).
  // Batch A as written before raw rows carried their batch (its ids in spend_batch_events), batch
  // B as the sink writes it now (each row's batch_id).
  const [{ a: batchA, b: batchB }] = rows(sqlOf('batch_ids'));
  const inBatch = (r) => (['e3', 'e4'].includes(r.event_id) ? { ...r, batch_id: batchB } : r);
  check('insert invocations (JSONEachRow)', () => {
    insertInvocations(fixture.filter((r) => !(r.event_id === 'e1' && r.version === 2)).map(inBatch));
    insertInvocations(fixture.filter((r) => r.event_id === 'e1' && r.version === 2));
  });
  check('invocations: all rows stored', () =>
    assertEqual(Number(rows(`SELECT count() AS c FROM ${DB}.invocations`)[0].c), fixture.length, 'count()'));
  check('invocations FINAL: one row per event, highest version', () => {
    assertEqual(Number(rows(`SELECT count() AS c FROM ${DB}.invocations FINAL`)[0].c), latest(fixture).length, 'count() FINAL');
    assertEqual(rows(`SELECT output_tokens AS o, version AS v FROM ${DB}.invocations FINAL WHERE event_id = 'e1'`)
      .map((r) => [Number(r.o), Number(r.v)]), [[60, 2]], 'e1 after FINAL');
  });

  // (c) The rollup path exactly as the attribution job runs it (SQL printed by SpendRollup).
  check('insert spend_batch_events (JSONEachRow)', () => exec(`INSERT INTO ${DB}.spend_batch_events FORMAT JSONEachRow\n${[
    ...['e1', 'e2', 'g1'].map((id) => ({ batch_id: batchA, hour: H0, event_id: id, committed_at: H2 })),
  ].map((r) => JSON.stringify(r)).join('\n')}\n`));
  for (const name of ['rollup.insert_batch_a', 'rollup.insert_batch_b', 'rollup.insert_batch_a_again']) {
    check(name, () => stmt(sqlOf(name), name));
  }
  const rollupMatchesRaw = (label, all) => {
    const expected = expectedMetrics(all);
    check(`${label}: raw metrics (FINAL) = fixture`, () =>
      assertEqual(pick(rows(sqlOf('rollup.raw_metrics_total'))[0], expected), expected, 'raw totals'));
    check(`${label}: rollup metrics (FINAL) = fixture`, () =>
      assertEqual(pick(rows(sqlOf('rollup.rollup_metrics_total'))[0], expected), expected, 'rollup totals'));
    check(`${label}: rollup groups = raw groups (histograms included)`, () =>
      assertEqual(rows(sqlOf('rollup.rollup_metrics_grouped')), rows(sqlOf('rollup.raw_metrics_grouped')), 'grouped rows'));
    check(`${label}: spend_hourly view = fixture`, () => {
      const v = rows(`SELECT sum(requests) AS m_requests, sum(errors) AS m_errors, sum(unpriced_requests) AS m_unpriced_requests, `
        + `sum(input_tokens) AS m_input_tokens, sum(cache_read_input_tokens) AS m_cache_read_input_tokens, `
        + `sum(output_tokens) AS m_output_tokens, sum(reasoning_tokens) AS m_reasoning_tokens, sum(cost_nanos) AS m_cost_nanos `
        + `FROM spend_hourly WHERE tenant = 'acme'`)[0];
      assertEqual(pick(v, expected), expected, 'spend_hourly');
    });
  };
  rollupMatchesRaw('after commit + re-commit', fixture);
  check('spend_hourly_batches FINAL: a re-committed batch replaces its twin', () => {
    // acme: e1, e2 (hour H0, 2 groups) + e3, e4 (hour H1, 2 groups); globex g1: 1 group.
    assertEqual(Number(rows(`SELECT count() AS c FROM ${DB}.spend_hourly_batches FINAL`)[0].c), 5, 'rollup rows FINAL');
  });
  check('rollup.batch_requests_a: the committer sees every event of batch A', () =>
    assertEqual(Object.values(rows(sqlOf('rollup.batch_requests_a'))[0]).map(Number), [3], 'sum(requests)'));
  // (c'') The committer's DaySealer seals the fixture's day; the daily source then agrees with raw rows.
  const D0 = H0 - (H0 % 86400);
  const days = (name) => rows(sqlOf(name)).map((r) => Object.values(r).map(Number));
  check('daily.unsealed_before', () => assertEqual(days('daily.unsealed_before'), [[D0]], 'unsealed days'));
  for (const name of ['daily.mark_started', 'daily.seal', 'daily.mark_complete']) {
    check(name, () => stmt(sqlOf(name), name));
  }
  check('daily.unsealed_after', () => assertEqual(days('daily.unsealed_after'), [], 'unsealed days'));
  check('daily.marked_days', () => assertEqual(days('daily.marked_days'), [[D0, 1]], 'marks'));
  const dailyMatches = (label, all) => {
    for (const name of ['daily.read_total', 'daily.read_total_hours']) {
      check(`${label}: ${name} = fixture`, () => {
        const expected = expectedMetrics(all);
        assertEqual(pick(rows(sqlOf(name))[0], expected), expected, 'daily totals');
      });
    }
  };
  dailyMatches('after sealing', fixture);
  // (c') Every analytics-api statement: it must run; RAW and ROLLUP must agree; totals = fixture.
  const scopes = { all: null, teams: ['search', "o'k"] };
  for (const [scope, teams] of Object.entries(scopes)) {
    const expected = expectedMetrics(fixture, teams);
    for (const source of ['raw', 'rollup']) {
      const name = `analytics.totals.${scope}.${source}`;
      check(name, () => assertEqual(pick(rows(sqlOf(name))[0], expected), expected, 'totals'));
    }
  }
  const results = new Map();
  for (const [name, sql] of printed) {
    if (!name.startsWith('analytics.') || used.has(name)) continue;
    used.add(name);
    check(name, () => {
      try {
        results.set(name, rows(sql));
      } catch (e) {
        throw new Error(`${e.message.split('\n')[0]}\n  statement: ${sql}`);
      }
    });
  }
  for (const [name, result] of results) {
    if (!name.includes('.raw.')) continue;
    for (const source of ['rollup', 'daily']) {
      const twin = name.replace('.raw.', `.${source}.`);
      if (results.has(twin)) {
        check(`${twin} = raw`, () => assertEqual(results.get(twin), result, `${source} vs raw`));
      }
    }
  }
  // Re-pricing (last, so a failure here does not cascade into the analytics checks): e4 gets a price (version 2), then every batch of the two hours is rebuilt.
  const repriced = [...fixture, e4Repriced];
  check('insert re-priced row', () => insertInvocations([inBatch(e4Repriced)]));
  for (const name of [...printed.keys()].filter((n) => n.startsWith('rollup.rebuild_hours.'))) {
    check(name, () => stmt(sqlOf(name), name));
  }
  rollupMatchesRaw('after re-pricing', repriced);
  check('daily.reseal', () => stmt(sqlOf('daily.reseal'), 'daily.reseal'));
  dailyMatches('after re-pricing', repriced);

  // The attribution job's sink inserts raw rows as Native blocks (InvocationBlock): 26.x must
  // read its bytes as written, dictionaries of every index width, NULLs and arrays included.
  if (nativeBlock) {
    check('insert invocations (Native block from the job\'s encoder)', () => {
      exec(`CREATE TABLE ${DB}.invocations_native AS ${DB}.invocations`);
      exec(`INSERT INTO ${DB}.invocations_native SELECT * FROM file('${nativeBlock}', 'Native')`);
    });
    check('Native block: row count and dictionary sizes', () => assertEqual(rows(`SELECT count() AS c,
      uniqExact(outcome) AS o, uniqExact(pricing_status) AS p FROM ${DB}.invocations_native`)
      .map((r) => [Number(r.c), Number(r.o), Number(r.p)]), [[70000, 70000, 300]], 'count, outcomes, pricing statuses'));
    check('Native block: rows read back as written', () => {
      const want = readFileSync(nativeExpected, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
      const text = (c) => `toString(${c}) AS ${c}`;
      const joined = (c) => `arrayStringConcat(${c}, '|') AS ${c}`;
      const columns = Object.keys(want[0]).map((c) => (['finish_reasons', 'tag_keys', 'tag_values'].includes(c) ? joined(c)
        : c === 'ts' || c === 'ingested_at' ? `toString(toUInt32(${c})) AS ${c}` : text(c)));
      const got = rows(`SELECT ${columns.join(', ')} FROM ${DB}.invocations_native
        WHERE event_id IN (${want.map((r) => `'${r.event_id}'`).join(', ')}) ORDER BY event_id`);
      assertEqual(got, want, 'rows');
    });
  }

  check('every printed statement was run', () => {
    const missed = [...printed.keys()].filter((n) => !used.has(n));
    if (missed.length) throw new Error(`not run: ${missed.join(', ')}`);
  });
} finally {
  session.cleanup();
}
console.log(`${printed.size} printed statements, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
if (failures.length) console.log(`failed: ${failures.join(' | ')}`);
console.log(`${passed} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);

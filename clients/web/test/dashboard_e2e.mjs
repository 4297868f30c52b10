// End-to-end test of the dashboard in headless Chromium (Debian's, driven by
// playwright-core; no browser is ever downloaded): real pulse-server and
// pulse-bridge processes, engagements ingested with the `pulse` CLI, exact
// numbers checked in the DOM, a bridge restart survived (with an engagement
// stamped in the past), pulse-server stopped and restarted behind the bridge,
// a return from the back-forward cache, 256-byte ids, the page served over
// https:// by a --tls_cert bridge going live over wss://, no console errors,
// screenshots at 1280×800 and 390×844.
//
// node clients/web/test/dashboard_e2e.mjs [--server=BIN] [--bridge=BIN]
//   [--pulse=BIN] [--out_dir=DIR]     (defaults: ./build/...)
// Prints one line per step and a final "N passed, M failed"; exits 1 on any
// failure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

import {poll} from './lib/poll.mjs';
import {freePort, readPortFile, run, start, stop, tail} from './lib/processes.mjs';

const kWebRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const kRepo = path.resolve(kWebRoot, '../..');
const kChromium = '/usr/bin/chromium';
// Every bound below is stretched by PULSE_TEST_TIME_SCALE (tests/time_scale.h)
// where the sanitizer presets set it: the processes are instrumented there.
const kScale = Math.max(1, Number(process.env.PULSE_TEST_TIME_SCALE) || 1);
const scaled = (ms) => ms * kScale;
// Updates arrive every 250 ms; the issue asks for the DOM within 2 s.
const kLiveMs = scaled(2000);
// A reconnect waits at most 10 s (backoff ceiling) plus the bridge's start.
const kReconnectMs = scaled(20_000);
const kWholeTestMs = scaled(150_000);

function flags() {
  const f = {
    server: path.join(kRepo, 'build/server/pulse-server'),
    bridge: path.join(kRepo, 'build/bridge/pulse-bridge'),
    pulse: path.join(kRepo, 'build/clients/pulse'),
    out_dir: path.join(kRepo, 'build'),
  };
  for (const arg of process.argv.slice(2)) {
    const m = /^--(\w+)=(.*)$/.exec(arg);
    if (!m || !(m[1] in f)) {
      console.error(`usage: dashboard_e2e.mjs [--server=BIN] [--bridge=BIN] [--pulse=BIN] [--out_dir=DIR]; bad: ${arg}`);
      process.exit(2);
    }
    f[m[1]] = path.resolve(m[2]);
  }
  return f;
}

function preflight(f) {
  const missing = [];
  for (const bin of [f.server, f.bridge, f.pulse, kChromium]) {
    if (!fs.existsSync(bin)) missing.push(bin);
  }
  for (const dep of ['playwright-core', 'uplot']) {
    if (!fs.existsSync(path.join(kWebRoot, 'node_modules', dep, 'package.json'))) {
      missing.push(`clients/web/node_modules/${dep}`);
    }
  }
  if (missing.length) {
    console.error(`dashboard_e2e: missing ${missing.join(', ')}\n` +
      'build (tools/build.sh) and install the web dependencies (tools/install-web-deps.sh) first');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

// JSON lines for `pulse ingest -`: posts, then engagements with counts.
function ingestLines(items) {
  return items.map((i) => JSON.stringify(i)).join('\n') + '\n';
}
let nextEvent = 1;
function engagement(postId, kind, count) {
  return {eventId: `e2e-${nextEvent++}`, postId, kind, count: String(count), userId: `u${nextEvent}`};
}

// Everything the checks read from the page, in one round trip.
function readDashboard(page) {
  return page.evaluate(() => {
    const q = (sel) => document.querySelector(sel);
    const byId = (id) => q(`[data-testid="${id}"]`);
    const fields = ['impressions', 'likes', 'shares', 'comments', 'clicks', 'engagements', 'posts'];
    const drill = byId('drilldown');
    const error = (sel) => q(`${sel} .panel-error`).textContent;
    return {
      connection: byId('connection').dataset.state,
      connectionText: q('.conn-text').textContent,
      errors: {global: error('#global'), rate: error('#rate'), top: error('#top-posts'),
        trending: error('#trending'), drill: error('#drilldown')},
      global: Object.fromEntries(fields.map((k) => [k, byId(`global-${k}`)?.dataset.value ?? null])),
      globalText: Object.fromEntries(fields.map((k) => [k, byId(`global-${k}`)?.textContent])),
      board: [...document.querySelectorAll('[data-testid="top-post-row"]')].map((r) => ({
        id: r.dataset.postId,
        rank: r.dataset.rank,
        account: r.querySelector('[data-field="account"]').textContent,
        hashtags: r.querySelector('[data-field="hashtags"]').textContent,
        value: r.querySelector('[data-field="value"]').dataset.value,
        likes: r.querySelector('[data-field="likes"]').dataset.value,
        sparkline: !!r.querySelector('[data-field="sparkline"] svg polyline'),
      })),
      trending: [...document.querySelectorAll('[data-testid="trending-row"]')].map((r) =>
        `${r.dataset.hashtag}=${r.dataset.current}`),
      rate: {...byId('rate-chart').dataset},
      drill: {kind: drill.dataset.kind, id: drill.dataset.id,
        likes: byId('drilldown-likes')?.dataset.value,
        engagements: byId('drilldown-engagements')?.dataset.value,
        posts: byId('drilldown-posts')?.dataset.value,
        users: byId('drilldown-unique-users')?.dataset.value,
        chartSum: drill.querySelector('.chart').dataset.sum,
        meta: drill.querySelector('.drill-meta').textContent},
    };
  });
}

// Polls the dashboard until `ok(state)`; fails with the last state seen.
async function expectDashboard(page, what, ok, timeoutMs = kLiveMs) {
  let last;
  try {
    return await poll(what, async () => {
      last = await readDashboard(page);
      return ok(last) ? last : null;
    }, {timeoutMs, intervalMs: 40});
  } catch (e) {
    throw new Error(`${e.message.split(' (last')[0]}\n    last dashboard: ${JSON.stringify(last)}`);
  }
}

// A self-signed certificate for 127.0.0.1 (the browser is told to accept it:
// what is tested is the page's choice of wss:, not the browser's trust store).
async function makeCert(dir) {
  const cert = path.join(dir, 'bridge-cert.pem');
  const key = path.join(dir, 'bridge-key.pem');
  const r = await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt',
    'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert]);
  if (r.code !== 0) throw new Error(`openssl failed (${r.code}): ${r.stderr}`);
  return {cert, key};
}

const boardIds = (s) => s.board.map((r) => r.id).join(',');
const noErrors = (s) => Object.values(s.errors).every((e) => e === '');
const sameGlobal = (s, want) => Object.entries(want).every(([k, v]) => s.global[k] === String(v));

async function main() {
  const f = flags();
  preflight(f);
  const {chromium} = await import('playwright-core');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-web-e2e-'));
  const results = {passed: 0, failed: 0};
  const watchdog = setTimeout(() => {
    console.error(`dashboard_e2e: gave up after ${kWholeTestMs} ms`);
    console.log(`${results.passed} passed, ${results.failed + 1} failed`);
    process.exit(1);
  }, kWholeTestMs);

  const step = async (name, fn) => {
    const t0 = Date.now();
    try {
      await fn();
      results.passed++;
      console.log(`PASS ${name} (${Date.now() - t0} ms)`);
    } catch (e) {
      results.failed++;
      console.log(`FAIL ${name}: ${e.message}`);
      throw e;
    }
  };

  let server = null;
  let bridge = null;
  let tlsBridge = null;
  let context = null;
  const consoleProblems = [];
  let outage = false;
  let refusedDuringOutage = 0;
  try {
    // --- processes -------------------------------------------------------
    const startServer = async (listen) => {
      const portFile = path.join(tmp, 'server.port');
      fs.rmSync(portFile, {force: true});
      server = start('pulse-server', f.server, [`--listen=${listen}`,
        `--data_dir=${path.join(tmp, 'data')}`, `--port_file=${portFile}`], tmp);
      return `127.0.0.1:${await readPortFile(portFile, server)}`;
    };
    const serverAddr = await startServer('127.0.0.1:0');
    const bridgePort = await freePort();
    const origin = `http://127.0.0.1:${bridgePort}`;
    const startBridge = async () => {
      const portFile = path.join(tmp, 'bridge.port');
      fs.rmSync(portFile, {force: true});
      bridge = start('pulse-bridge', f.bridge, [`--listen=127.0.0.1:${bridgePort}`,
        `--backend=${serverAddr}`, `--web_root=${kWebRoot}`, `--allowed_origins=${origin}`,
        `--port_file=${portFile}`], tmp);
      await readPortFile(portFile, bridge);
      await poll('bridge /healthz 200', async () => (await fetch(`${origin}/healthz`)).status === 200,
        {timeoutMs: scaled(10_000), intervalMs: 100});
    };
    const ingest = async (items) => {
      const r = await run(f.pulse, [`--server=${serverAddr}`, 'ingest', '-'], ingestLines(items));
      if (r.code !== 0) throw new Error(`pulse ingest failed (${r.code}): ${r.stderr}`);
    };

    await step('pulse-server and pulse-bridge start', startBridge);

    await step('posts are ingested', () => ingest([
      {postId: 'e2e-a', accountId: 'acct-a', platform: 'x', hashtags: ['alpha', 'shared']},
      {postId: 'e2e-b', accountId: 'acct-b', platform: 'tiktok', hashtags: ['beta', 'shared']},
      {postId: 'e2e-c', accountId: 'acct-a', platform: 'x', hashtags: ['gamma']},
    ]));

    // --- browser ---------------------------------------------------------
    const profile = path.join(tmp, 'chromium-profile');
    context = await chromium.launchPersistentContext(profile, {
      executablePath: kChromium,
      headless: true,
      ignoreHTTPSErrors: true,
      // Playwright turns the back-forward cache off; the Back button test needs it.
      ignoreDefaultArgs: ['--disable-back-forward-cache'],
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: {width: 1280, height: 800},
    });
    const page = context.pages()[0] ?? await context.newPage();
    const watchConsole = (p) => p.on('console', (m) => {
      if (m.type() !== 'error' && m.type() !== 'warning') return;
      const text = m.text();
      // While the test holds the bridge down, Chromium itself logs each
      // refused reconnect; nothing else may be logged.
      const refused = /WebSocket connection to .* failed|ERR_CONNECTION_REFUSED/.test(text);
      if (outage && refused) refusedDuringOutage++;
      else consoleProblems.push(`${m.type()}: ${text}`);
    });
    watchConsole(page);
    page.on('pageerror', (e) => consoleProblems.push(`pageerror: ${e.message}`));

    await step('the dashboard loads and goes live', async () => {
      await page.goto(`${origin}/`, {waitUntil: 'load', timeout: scaled(10_000)});
      await expectDashboard(page, 'a live connection and 3 posts',
        (s) => s.connection === 'open' && s.global.posts === '3' && s.global.likes === '0', scaled(5000));
      await expectDashboard(page, 'a 15-minute engagements/s chart', (s) =>
        Number(s.rate.count) >= 890 && s.rate.missing === '0', scaled(5000));
    });

    // Engagements: a = 4 (20 impressions), b = 8 (10), c = 1 (5).
    await step('ingested engagements show exactly within 2 s', async () => {
      await ingest([
        engagement('e2e-a', 'IMPRESSION', 20), engagement('e2e-a', 'LIKE', 3),
        engagement('e2e-a', 'SHARE', 1),
        engagement('e2e-b', 'IMPRESSION', 10), engagement('e2e-b', 'LIKE', 5),
        engagement('e2e-b', 'COMMENT', 2), engagement('e2e-b', 'CLICK', 1),
        engagement('e2e-c', 'IMPRESSION', 5), engagement('e2e-c', 'LIKE', 1),
      ]);
      const s = await expectDashboard(page, 'global totals and the board', (s) =>
        sameGlobal(s, {impressions: 35, likes: 9, shares: 1, comments: 2, clicks: 1,
          engagements: 13, posts: 3}) && boardIds(s) === 'e2e-b,e2e-a,e2e-c');
      const want = {impressions: '35', likes: '9', shares: '1', comments: '2', clicks: '1',
        engagements: '13'};
      for (const [k, v] of Object.entries(want)) {
        if (s.globalText[k] !== v) throw new Error(`global-${k} shows "${s.globalText[k]}", want "${v}"`);
      }
      const b = s.board[0];
      if (b.value !== '8' || b.likes !== '5' || b.account !== 'acct-b' || b.hashtags !== '#beta#shared') {
        throw new Error(`top row is ${JSON.stringify(b)}`);
      }
    });

    await step('the board re-ranks by the chosen metric and window', async () => {
      await page.selectOption('[data-testid="top-metric"]', 'IMPRESSIONS');
      await expectDashboard(page, 'the board by impressions', (s) =>
        boardIds(s) === 'e2e-a,e2e-b,e2e-c' && s.board[0].value === '20');
      await page.selectOption('[data-testid="top-window"]', '3600');
      await page.selectOption('[data-testid="top-metric"]', 'ENGAGEMENTS');
      await expectDashboard(page, 'the 1 h board by engagements', (s) =>
        boardIds(s) === 'e2e-b,e2e-a,e2e-c' && s.board[1].value === '4');
      await expectDashboard(page, 'a sparkline on every row', (s) => s.board.every((r) => r.sparkline));
    });

    await step('trending hashtags rank by growth with exact counts', () =>
      expectDashboard(page, 'the trending board', (s) =>
        s.trending.join(',') === 'shared=12,beta=8,alpha=4,gamma=1'));

    await step('a click drills down into a post, then its account', async () => {
      await page.click('[data-testid="top-post-row"][data-post-id="e2e-b"] th button');
      await expectDashboard(page, 'post e2e-b in the drill-down', (s) => s.drill.kind === 'post' &&
        s.drill.id === 'e2e-b' && s.drill.likes === '5' && s.drill.engagements === '8' &&
        s.drill.chartSum === '8');
      await page.click('[data-testid="top-post-row"][data-post-id="e2e-a"] [data-field="account"] button');
      await expectDashboard(page, 'account acct-a in the drill-down', (s) => s.drill.kind === 'account' &&
        s.drill.id === 'acct-a' && s.drill.engagements === '5' && s.drill.posts === '2');
    });

    await step('a post opened again shows its metadata, and closing it leaves no refresh behind', async () => {
      await page.click('[data-testid="top-post-row"][data-post-id="e2e-b"] th button');
      await expectDashboard(page, 'post e2e-b again, with its account', (s) => s.drill.kind === 'post' &&
        s.drill.id === 'e2e-b' && s.drill.meta.startsWith('by acct-b on tiktok') &&
        s.drill.chartSum === '8');
      // A like and its undo, by two new users: an update that changes no
      // count, after which the panel schedules a series refresh (at most one
      // per 2 s). Closed before it runs, the refresh must not run for the
      // closed panel (a page error, which the last step checks for). The panel
      // stays closed through the bridge restart below, for longer than that.
      const users = Number((await readDashboard(page)).drill.users);
      await ingest([engagement('e2e-b', 'LIKE', 1), engagement('e2e-b', 'LIKE', -1)]);
      await expectDashboard(page, 'the update with two more users', (s) =>
        Number(s.drill.users) === users + 2 && s.drill.likes === '5');
      await page.click('.drill-close');
      await expectDashboard(page, 'the drill-down closed', (s) => s.drill.kind === '');
    });

    await step('the engagements/s chart holds every engagement, without a hole', () =>
      expectDashboard(page, 'chart sum 13', (s) => s.rate.sum === '13' && s.rate.missing === '0'));

    // A second board panel in the page, on a socket the test plays: a post
    // that leaves the board loses its cached sparkline (fetched again when it
    // returns, though the 5 s refresh is not due), so the cache holds only
    // the board's posts however many pass through it.
    await step('the board keeps sparklines for the posts on it only', async () => {
      const fetched = await page.evaluate(async () => {
        const {TopPostsPanel} = await import('./js/panels/top_posts_panel.js');
        const container = document.createElement('section');
        container.innerHTML = '<select data-testid="top-window"></select>' +
          '<select data-testid="top-metric"></select><table><thead><tr>' +
          '<th class="metric-header"></th></tr></thead><tbody></tbody></table>' +
          '<p class="panel-error"></p>';
        const calls = [];
        const socket = {
          state: 'open',
          addEventListener() {},
          subscribe(params, onUpdate) {
            this.onUpdate = onUpdate;
            return {close() {}};
          },
          async call(method, params) {
            calls.push(params.postId);
            return {points: []};
          },
        };
        new TopPostsPanel(container, socket, {nowMs: () => Date.now()}, () => {});
        const rounds = [];
        for (const ids of [['p1', 'p2'], ['p2'], ['p1', 'p2']]) {
          calls.length = 0;
          socket.onUpdate({topPosts: {posts: ids.map((postId, i) =>
            ({postId, rank: i + 1, value: '1'}))}});
          await new Promise((resolve) => setTimeout(resolve, 0));
          rounds.push(calls.sort().join(','));
        }
        return rounds;
      });
      const want = ['p1,p2', '', 'p1'];
      if (JSON.stringify(fetched) !== JSON.stringify(want)) {
        throw new Error(`sparklines fetched per board: ${JSON.stringify(fetched)}, want ${JSON.stringify(want)}`);
      }
    });

    // --- bridge restart ----------------------------------------------------
    await step('the page notices the bridge going away', async () => {
      outage = true;
      const code = await stop(bridge);
      if (code !== 0) throw new Error(`pulse-bridge exited with ${code}; see ${bridge.log}`);
      await expectDashboard(page, 'the indicator off "open"', (s) => s.connection !== 'open', scaled(5000));
    });

    // Ingested while the page cannot see it: c = 11 now leads; b gets a like
    // stamped 2 minutes ago (a producer re-sending after an outage), in a
    // second of the chart the page already holds.
    await step('after a bridge restart the page reconnects and catches up', async () => {
      await ingest([engagement('e2e-c', 'LIKE', 10),
        {...engagement('e2e-b', 'LIKE', 1), time: new Date(Date.now() - 120_000).toISOString()}]);
      // Down long enough for the page to retry (and be refused) a few times.
      await new Promise((r) => setTimeout(r, 1500));
      await startBridge();
      await expectDashboard(page, 'a reconnect', (s) => s.connection === 'open', kReconnectMs);
      outage = false;
      await expectDashboard(page, 'what was ingested during the outage', (s) =>
        sameGlobal(s, {likes: 20, engagements: 24}) && boardIds(s) === 'e2e-c,e2e-b,e2e-a');
      await expectDashboard(page, 'the chart refetched, the like stamped in the past too', (s) =>
        s.rate.sum === '24' && s.rate.missing === '0');
    });

    await step('later ingests show live after the reconnect', async () => {
      await page.click('[data-testid="top-post-row"][data-post-id="e2e-a"] [data-field="account"] button');
      await expectDashboard(page, 'account acct-a in the drill-down again', (s) =>
        s.drill.kind === 'account' && s.drill.id === 'acct-a');
      await ingest([engagement('e2e-a', 'LIKE', 20)]);
      await expectDashboard(page, 'the new totals', (s) =>
        sameGlobal(s, {likes: 40, engagements: 44}) && boardIds(s) === 'e2e-a,e2e-c,e2e-b' &&
        s.board[0].value === '24' && s.drill.engagements === '35');
      await expectDashboard(page, 'the chart backfilled across the outage', (s) =>
        s.rate.sum === '44' && s.rate.missing === '0');
    });

    // The bridge stays up and answers for a server that does not: the page
    // must not say "Live", and every panel says what failed until it is back.
    await step('with pulse-server down the page says so, and recovers when it is back', async () => {
      const code = await stop(server);
      if (code !== 0) throw new Error(`pulse-server exited with ${code}; see ${server.log}`);
      await expectDashboard(page, 'the indicator and every panel showing the outage', (s) =>
        s.connection === 'unavailable' && s.connectionText === 'Server unavailable' &&
        s.errors.global !== '' && s.errors.rate !== '' && s.errors.drill !== '', scaled(5000));
      await startServer(serverAddr);
      await expectDashboard(page, 'live again, with no error left on screen', (s) =>
        s.connection === 'open' && s.connectionText === 'Live' && noErrors(s) &&
        sameGlobal(s, {likes: 40, engagements: 44}) && s.drill.engagements === '35' &&
        s.rate.sum === '44' && s.rate.missing === '0', kReconnectMs);
    });

    await step('shown again from the back-forward cache, the page reconnects', async () => {
      await page.evaluate(() => {
        window.shownFromCache = false;
        addEventListener('pageshow', (e) => { window.shownFromCache = e.persisted; });
      });
      // Chromium replays a restored page's stored log (the refused reconnects
      // of the bridge restart, counted then) to the debugger: cleared first,
      // so that only what the page logs from now on is seen.
      const cdp = await context.newCDPSession(page);
      await cdp.send('Log.clear');
      await cdp.detach();
      // about:blank, unlike a page of the bridge, asks for no /favicon.ico.
      await page.goto('about:blank', {waitUntil: 'load', timeout: scaled(10_000)});
      // A page restored from the cache fires no load event.
      await page.goBack({waitUntil: 'commit', timeout: scaled(10_000)});
      if (!await page.evaluate(() => window.shownFromCache)) {
        throw new Error('the page was loaded again, not restored from the back-forward cache');
      }
      await expectDashboard(page, 'a reconnect', (s) => s.connection === 'open', kReconnectMs);
      await ingest([engagement('e2e-c', 'IMPRESSION', 1)]);
      await expectDashboard(page, 'an impression ingested after the return', (s) =>
        sameGlobal(s, {impressions: 36, likes: 40, engagements: 44}));
    });

    // Ids may be 256 bytes: on the board, in trending and in the drill-down
    // they are cut (whole in the title), and the page never scrolls sideways.
    await step('256-byte ids are cut with an ellipsis and nothing scrolls sideways', async () => {
      const longPost = `p${'o'.repeat(255)}`;
      const longTag = `t${'a'.repeat(255)}`;
      const longAccount = `a${'c'.repeat(255)}`;
      await ingest([{postId: longPost, accountId: longAccount, platform: 'x', hashtags: [longTag]},
        engagement(longPost, 'LIKE', 1)]);
      await expectDashboard(page, 'the long post on the board and its hashtag trending', (s) =>
        s.board.some((r) => r.id === longPost) && s.trending.includes(`${longTag}=1`));
      await page.click(`[data-testid="top-post-row"][data-post-id="${longPost}"] th button`);
      await expectDashboard(page, 'the long post in the drill-down', (s) =>
        s.drill.id === longPost && s.drill.meta.includes(longAccount));
      const layout = () => page.evaluate((id) => {
        const button = document.querySelector(`[data-testid="top-post-row"][data-post-id="${id}"] th button`);
        return {inner: innerWidth, scroll: document.documentElement.scrollWidth,
          title: button.title, cut: button.scrollWidth > button.clientWidth};
      }, longPost);
      for (const width of [1280, 390]) {
        await page.setViewportSize({width, height: width === 1280 ? 800 : 844});
        // Charts follow their containers' width a frame later.
        const w = await poll(`a ${width} px layout`, async () => {
          const l = await layout();
          return l.inner === width && l.scroll <= l.inner ? l : null;
        }).catch(async (e) => {
          throw new Error(`${e.message}; layout ${JSON.stringify(await layout())}`);
        });
        if (w.title !== longPost || !w.cut) {
          throw new Error(`the long id's button at ${width} px: title ${w.title.length} bytes, cut ${w.cut}`);
        }
      }
      await page.setViewportSize({width: 1280, height: 800});
    });

    await step('a screenshot of the whole dashboard is saved', async () => {
      fs.mkdirSync(f.out_dir, {recursive: true});
      const file = path.join(f.out_dir, 'dashboard.png');
      await page.screenshot({path: file, fullPage: true});
      console.log(`     screenshot: ${file}`);
    });

    await step('at phone width (390×844) nothing overflows sideways', async () => {
      await page.setViewportSize({width: 390, height: 844});
      // Charts follow their containers' width a frame later: poll, then
      // check that the layout stays within the viewport.
      const layout = () => page.evaluate(() =>
        ({inner: innerWidth, scroll: document.documentElement.scrollWidth}));
      await poll('a 390 px layout without sideways overflow', async () => {
        const w = await layout();
        return w.inner === 390 && w.scroll <= w.inner;
      });
      await page.waitForTimeout(300);
      const w = await layout();
      if (w.scroll > w.inner) throw new Error(`page is ${w.scroll} px wide at ${w.inner} px`);
      const file = path.join(f.out_dir, 'dashboard-phone.png');
      await page.screenshot({path: file, fullPage: true});
      console.log(`     screenshot: ${file}`);
    });

    await step('served over https://, the page goes live over wss:// with its access_token', async () => {
      const {cert, key} = await makeCert(tmp);
      const tlsPort = await freePort();
      const tlsOrigin = `https://127.0.0.1:${tlsPort}`;
      const portFile = path.join(tmp, 'bridge-tls.port');
      tlsBridge = start('pulse-bridge-tls', f.bridge, [`--listen=127.0.0.1:${tlsPort}`,
        `--backend=${serverAddr}`, `--web_root=${kWebRoot}`, `--allowed_origins=${tlsOrigin}`,
        `--tls_cert=${cert}`, `--tls_key=${key}`, `--port_file=${portFile}`], tmp);
      await readPortFile(portFile, tlsBridge);
      const tlsPage = await context.newPage();
      watchConsole(tlsPage);
      tlsPage.on('pageerror', (e) => consoleProblems.push(`pageerror: ${e.message}`));
      const sockets = [];
      tlsPage.on('websocket', (ws) => sockets.push(ws.url()));
      await tlsPage.goto(`${tlsOrigin}/?access_token=e2e-token`, {waitUntil: 'load', timeout: scaled(10_000)});
      await expectDashboard(tlsPage, 'a live dashboard over wss', (s) => s.connection === 'open' &&
        sameGlobal(s, {likes: 41, engagements: 45}), scaled(5000));
      const want = `wss://127.0.0.1:${tlsPort}/ws?access_token=e2e-token`;
      if (sockets.length !== 1 || sockets[0] !== want) {
        throw new Error(`websockets opened: [${sockets.join(', ')}]; want [${want}]`);
      }
      await tlsPage.close();
    });

    await step('no console errors or page errors', async () => {
      if (consoleProblems.length) throw new Error(consoleProblems.join('\n    '));
      console.log(`     (Chromium logged ${refusedDuringOutage} refused reconnects while the bridge was down)`);
    });
  } catch (e) {
    if (results.failed === 0) {
      results.failed++;
      console.log(`FAIL ${e.stack}`);
    }
    for (const proc of [server, bridge, tlsBridge]) {
      if (proc) console.log(`--- ${proc.name} log (last lines) ---\n${tail(proc.log)}`);
    }
    if (consoleProblems.length) console.log(`console: ${consoleProblems.join('\n  ')}`);
  } finally {
    if (context) await context.close().catch(() => {});
    for (const proc of [tlsBridge, bridge, server]) if (proc) await stop(proc);
    clearTimeout(watchdog);
    if (results.failed === 0) fs.rmSync(tmp, {recursive: true, force: true});
    else console.log(`logs kept in ${tmp}`);
  }
  console.log(`${results.passed} passed, ${results.failed} failed`);
  process.exit(results.failed === 0 ? 0 : 1);
}

main();

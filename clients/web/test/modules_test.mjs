// Unit tests of the dashboard's DOM-free modules, run by `node --test`.
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';

import {Backoff} from '../js/backoff.js';
import {attachConnectionIndicator} from '../js/panels/connection_indicator.js';
import {formatCount, formatExact, formatGrowth, formatPercent, formatRate, parseInt64}
  from '../js/int64.js';
import {DisconnectedError, RpcError, RpcSocket} from '../js/rpc_socket.js';
import {socketUrl} from '../js/socket_url.js';
import {TimeSeries} from '../js/time_series.js';
import {parseTimestamp, ServerClock} from '../js/timestamp.js';
import {WindowRefresh} from '../js/window_refresh.js';

test('socketUrl follows the page: ws for http, wss for https', () => {
  assert.equal(socketUrl('http://127.0.0.1:8080/'), 'ws://127.0.0.1:8080/ws');
  assert.equal(socketUrl('https://dash.example.com:8443/index.html#top'),
    'wss://dash.example.com:8443/ws');
  assert.equal(socketUrl('https://dash.example.com/'), 'wss://dash.example.com/ws');
  assert.equal(socketUrl('http://[::1]:8080/?theme=dark'), 'ws://[::1]:8080/ws');
});

test('socketUrl carries the page access_token over, encoded', () => {
  assert.equal(socketUrl('https://host:8443/?access_token=T'),
    'wss://host:8443/ws?access_token=T');
  assert.equal(socketUrl('http://host/?x=1&access_token=a%2Bb%2Fc%3D&y=2'),
    'ws://host/ws?access_token=a%2Bb%2Fc%3D');
  assert.equal(socketUrl('https://host/?access_token='), 'wss://host/ws');
});

test('parseInt64 keeps values past 2^53 exact', () => {
  assert.equal(parseInt64('9223372036854775807'), 9223372036854775807n);
  assert.equal(parseInt64(undefined), 0n);
  assert.equal(parseInt64('-42'), -42n);
  assert.throws(() => parseInt64('1.5'));
  assert.throws(() => parseInt64('12abc'));
});

test('formatCount truncates and never overstates', () => {
  assert.equal(formatCount('0'), '0');
  assert.equal(formatCount('999'), '999');
  assert.equal(formatCount('1000'), '1k');
  assert.equal(formatCount('1234'), '1.2k');
  assert.equal(formatCount('12345'), '12.3k');
  assert.equal(formatCount('123456'), '123k');
  assert.equal(formatCount('999999'), '999k');
  assert.equal(formatCount('3400000'), '3.4M');
  assert.equal(formatCount('3499999'), '3.4M');
  assert.equal(formatCount('9223372036854775807'), '9223P');
  assert.equal(formatCount('-1500'), '-1.5k');
});

test('formatExact groups thousands', () => {
  assert.equal(formatExact('1234567'), '1,234,567');
  assert.equal(formatExact('-1000'), '-1,000');
  assert.equal(formatExact('12'), '12');
});

test('doubles are formatted as percent, rate and growth', () => {
  assert.equal(formatPercent(0.49925037481259371), '49.93%');
  assert.equal(formatPercent(undefined), '0.00%');
  assert.equal(formatRate(66.6), '66.6/s');
  assert.equal(formatRate(12345.6), '12.3k/s');
  assert.equal(formatGrowth(2.5), '+250%');
  assert.equal(formatGrowth(-0.5), '−50%');
});

test('parseTimestamp takes nanosecond fractions and whole seconds', () => {
  assert.equal(parseTimestamp('2026-11-29T03:23:56.839981204Z'), Date.UTC(2026, 10, 29, 3, 23, 56, 839));
  assert.equal(parseTimestamp('2026-11-29T03:23:51Z'), Date.UTC(2026, 10, 29, 3, 23, 51));
  assert.ok(Number.isNaN(parseTimestamp('yesterday')));
});

test('ServerClock follows the server time it observes', () => {
  let now = 1000;
  const clock = new ServerClock(() => now);
  clock.observe('1970-01-01T00:00:05Z');
  now = 2000;
  assert.equal(clock.nowMs(), 6000);
});

test('Backoff doubles up to its ceiling with jitter in [d/2, d]', () => {
  const low = new Backoff({baseMs: 100, maxMs: 1000, random: () => 0});
  assert.deepEqual([1, 2, 3, 4, 5].map(() => low.next()), [50, 100, 200, 400, 500]);
  const high = new Backoff({baseMs: 100, maxMs: 1000, random: () => 1});
  assert.deepEqual([1, 2, 3, 4, 5].map(() => high.next()), [100, 200, 400, 800, 1000]);
  high.reset();
  assert.equal(high.next(), 100);
});

test('Backoff.longest waits the ceiling, and so do the attempts after it until reset', () => {
  const low = new Backoff({baseMs: 100, maxMs: 1000, random: () => 0});
  assert.deepEqual([low.longest(), low.next(), low.next()], [500, 500, 500]);
  low.reset();
  assert.equal(low.next(), 50);
});

test('WindowRefresh fetches the whole window at first, then the newest buckets', () => {
  let now = 0;
  const plan = new WindowRefresh({spanSec: 900, overlapSec: 5, fullEveryMs: 30_000, now: () => now});
  assert.deepEqual(plan.next(10_000, null), {startSec: 9101, fromSec: 9101});
  now = 1000;
  assert.deepEqual(plan.next(10_001, 10_000), {startSec: 9995, fromSec: 9102});
});

test('WindowRefresh fetches the whole window again every fullEveryMs', () => {
  let now = 0;
  const plan = new WindowRefresh({spanSec: 900, fullEveryMs: 30_000, now: () => now});
  plan.next(10_000, null);
  now = 29_999;
  assert.equal(plan.next(10_029, 10_028).startSec, 10_023);
  now = 30_000;
  assert.equal(plan.next(10_030, 10_029).startSec, 9131, 'an engagement stamped 2 min ago is refetched');
  now = 31_000;
  assert.equal(plan.next(10_031, 10_030).startSec, 10_025);
});

test('WindowRefresh fetches the whole window after invalidate (a reconnect or a failure)', () => {
  const plan = new WindowRefresh({spanSec: 900, now: () => 0});
  plan.next(10_000, null);
  assert.equal(plan.next(10_001, 10_000).startSec, 9995);
  plan.invalidate();
  assert.equal(plan.next(10_002, 10_001).startSec, 9103);
  assert.equal(plan.next(10_003, 10_002).startSec, 9997);
});

test('TimeSeries replaces overlapping buckets and reports holes', () => {
  const s = new TimeSeries();
  s.merge([{time: '1970-01-01T00:00:10Z', value: '1'}, {time: '1970-01-01T00:00:11Z', value: '2'}]);
  s.merge([{time: '1970-01-01T00:00:11Z', value: '5'}, {time: '1970-01-01T00:00:14Z', value: '1'}]);
  assert.deepEqual(s.columns(), [[10, 11, 14], [1, 5, 1]]);
  assert.equal(s.sum(), 7n);
  assert.equal(s.missingBuckets(1), 2);
  s.trimBefore(11);
  assert.equal(s.size, 2);
  assert.equal(s.lastTime(), 14);
});

// A WebSocket stand-in the test drives by hand.
class FakeSocket {
  static all = [];
  constructor(url) {
    this.url = url;
    this.sent = [];
    FakeSocket.all.push(this);
  }
  send(text) { this.sent.push(JSON.parse(text)); }
  close() { this.onclose?.(); }
  // The bridge closes it with a close frame.
  drop(code, reason) { this.onclose?.({code, reason}); }
  open() { this.onopen?.(); }
  receive(frame) { this.onmessage?.({data: JSON.stringify(frame)}); }
}

// Sockets a test made, stopped after it even when it fails: one left open
// would retry for ever and keep the test process alive.
const made = [];
const track = (socket) => {
  made.push(socket);
  return socket;
};
afterEach(() => {
  for (const socket of made.splice(0)) socket.stop();
});

// Browsers and Node 19+ have CustomEvent; Node 18 (Debian 12's) only Event.
globalThis.CustomEvent ??= class CustomEvent extends Event {
  constructor(type, options = {}) {
    super(type, options);
    this.detail = options.detail ?? null;
  }
};

// Lets pending promise callbacks run.
const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

// Waits, on real timers, until cond() holds; fails after `ms`. (Not Node's
// mock timers: Node 18's lose their queue when clearTimeout is given an id
// they do not hold, and RpcSocket clears timers that already fired.)
async function waitFor(cond, what, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('RpcSocket answers calls, routes updates and resubscribes after a reconnect', async () => {
  FakeSocket.all = [];
  const socket = track(new RpcSocket('ws://x/ws', {WebSocketImpl: FakeSocket,
    backoff: new Backoff({baseMs: 50, random: () => 1})}));
  const updates = [];
  socket.subscribe({global: true}, (u) => updates.push(u));
  socket.start();
  const first = FakeSocket.all[0];
  first.open();
  const sub = first.sent.find((f) => f.method === 'Subscribe');
  assert.deepEqual(sub.params, {global: true});

  // The bridge names a subscription by its Subscribe's id.
  first.receive({jsonrpc: '2.0', id: sub.id, result: {subscription: sub.id}});
  await flush();
  first.receive({jsonrpc: '2.0', method: 'update', params: {subscription: sub.id, update: {seq: '1'}}});
  first.receive({jsonrpc: '2.0', method: 'update', params: {subscription: sub.id + 100, update: {seq: '1'}}});
  assert.deepEqual(updates, [{seq: '1'}]);

  const call = socket.call('GetGlobalStats', {});
  const req = first.sent.at(-1);
  first.receive({jsonrpc: '2.0', id: req.id, error: {code: 3, message: 'INVALID_ARGUMENT: x'}});
  await assert.rejects(call, (e) => e instanceof RpcError && e.code === 3);

  const lost = socket.call('GetGlobalStats', {});
  first.close();
  await assert.rejects(lost, DisconnectedError);
  assert.equal(socket.state, 'closed');

  const closedAt = Date.now();
  assert.equal(FakeSocket.all.length, 1, 'no reconnect before the backoff delay');
  await waitFor(() => FakeSocket.all.length === 2, 'it reconnects');
  assert.ok(Date.now() - closedAt >= 40, 'reconnected after the backoff delay');
  const second = FakeSocket.all[1];
  let reopened = null;
  socket.addEventListener('open', (e) => { reopened = e.detail; });
  second.open();
  assert.equal(reopened.reconnect, true);
  const again = second.sent.find((f) => f.method === 'Subscribe');
  assert.deepEqual(again.params, {global: true});
  // Ids start from 1 on each connection: every dashboard names its
  // subscriptions alike, so the bridge frames their updates once.
  assert.equal(again.id, sub.id);
  second.receive({jsonrpc: '2.0', id: again.id, result: {subscription: again.id}});
  await flush();
  second.receive({jsonrpc: '2.0', method: 'update', params: {subscription: again.id, update: {seq: '1', snapshot: true}}});
  assert.equal(updates.length, 2);
  socket.stop();
});

test('RpcSocket unsubscribes what a timed-out Subscribe made', async () => {
  FakeSocket.all = [];
  const socket = track(new RpcSocket('ws://x/ws', {WebSocketImpl: FakeSocket, callTimeoutMs: 1000,
    backoff: new Backoff({baseMs: 100, random: () => 1})}));
  const updates = [];
  const errors = [];
  socket.subscribe({global: true}, (u) => updates.push(u), (e) => errors.push(e.message));
  socket.start();
  const ws = FakeSocket.all[0];
  ws.open();
  const first = ws.sent.find((f) => f.method === 'Subscribe');
  await waitFor(() => errors.length > 0, 'the Subscribe times out');
  assert.deepEqual(errors, ['Subscribe timed out']);

  // The bridge made it after all: its result comes late.
  ws.receive({jsonrpc: '2.0', id: first.id, result: {subscription: first.id}});
  await flush();
  const unsubscribe = ws.sent.at(-1);
  assert.equal(unsubscribe.method, 'Unsubscribe');
  assert.deepEqual(unsubscribe.params, {subscription: first.id});
  ws.receive({jsonrpc: '2.0', method: 'update', params: {subscription: first.id, update: {seq: '1'}}});
  assert.deepEqual(updates, []);

  // The retry (the subscription's backoff: at most 500 ms) gets its own.
  const subscribes = () => ws.sent.filter((f) => f.method === 'Subscribe');
  await waitFor(() => subscribes().length === 2, 'the Subscribe is retried');
  const retry = subscribes()[1];
  assert.notEqual(retry.id, first.id);
  ws.receive({jsonrpc: '2.0', id: retry.id, result: {subscription: retry.id}});
  await flush();
  ws.receive({jsonrpc: '2.0', method: 'update', params: {subscription: retry.id, update: {seq: '1'}}});
  assert.deepEqual(updates, [{seq: '1'}]);
  socket.stop();
});

// The retry delays an RpcSocket announces, in order.
function retryDelays(socket) {
  const delays = [];
  socket.addEventListener('state', (e) => {
    if (e.detail.retryInMs !== undefined) delays.push(e.detail.retryInMs);
  });
  return delays;
}

test('RpcSocket keeps backing off from sockets that open and close without a word', async () => {
  FakeSocket.all = [];
  const socket = track(new RpcSocket('ws://x/ws', {WebSocketImpl: FakeSocket,
    backoff: new Backoff({baseMs: 20, maxMs: 10_000, random: () => 1})}));
  const delays = retryDelays(socket);
  socket.start();
  for (let i = 0; i < 3; i++) {
    await waitFor(() => FakeSocket.all.length === i + 1, `connection ${i + 1}`);
    FakeSocket.all[i].open();
    FakeSocket.all[i].drop(1006, '');
  }
  assert.deepEqual(delays, [20, 40, 80]);

  // A connection that delivers a frame works: the next drop starts afresh.
  await waitFor(() => FakeSocket.all.length === 4, 'connection 4');
  const ws = FakeSocket.all[3];
  ws.open();
  ws.receive({jsonrpc: '2.0', id: 99, result: {}});
  ws.drop(1006, '');
  assert.deepEqual(delays, [20, 40, 80, 20]);
  socket.stop();
});

for (const [code, reason] of [[1013, 'too many connections'], [1008, 'answers are not read']]) {
  test(`RpcSocket waits the backoff's ceiling after a ${code} close, and says why`, async () => {
    FakeSocket.all = [];
    const socket = track(new RpcSocket('ws://x/ws', {WebSocketImpl: FakeSocket,
      backoff: new Backoff({baseMs: 20, maxMs: 200, random: () => 1})}));
    const states = [];
    socket.addEventListener('state', (e) => states.push(e.detail));
    socket.start();
    const ws = FakeSocket.all[0];
    ws.open();
    ws.receive({jsonrpc: '2.0', id: 99, result: {}});
    ws.drop(code, reason);
    const closed = states.at(-1);
    assert.equal(closed.state, 'closed');
    assert.equal(closed.retryInMs, 200);
    assert.equal(closed.code, code);
    assert.equal(closed.reason, reason);
    const closedAt = Date.now();
    await waitFor(() => FakeSocket.all.length === 2, 'it reconnects');
    assert.ok(Date.now() - closedAt >= 190, 'reconnected after the ceiling');
    FakeSocket.all[1].drop(1006, '');
    assert.equal(states.at(-1).retryInMs, 200, 'the next attempt waits as long');
    socket.stop();
  });
}

// A connection indicator element: its data-state, title and text.
function fakeIndicator() {
  const text = {textContent: ''};
  return {dataset: {}, title: '', text, querySelector: () => text};
}

// An open RpcSocket on a FakeSocket with one subscription the bridge took;
// `indicator` shows it.
async function openSocket() {
  FakeSocket.all = [];
  const socket = track(new RpcSocket('ws://x/ws', {WebSocketImpl: FakeSocket,
    backoff: new Backoff({baseMs: 50, maxMs: 1000, random: () => 1})}));
  const indicator = fakeIndicator();
  attachConnectionIndicator(indicator, socket);
  const errors = [];
  socket.subscribe({global: true}, () => {}, (e) => errors.push(e.message));
  socket.start();
  const ws = FakeSocket.all[0];
  ws.open();
  const subscribe = ws.sent.find((f) => f.method === 'Subscribe');
  return {socket, ws, indicator, errors, subscribe};
}

const shown = (indicator) => `${indicator.dataset.state}: ${indicator.text.textContent}`;
const update = (id) => ({jsonrpc: '2.0', method: 'update', params: {subscription: id, update: {seq: '1'}}});

test('the indicator says Live only once the server answers, and Server unavailable while it does not', async () => {
  const {socket, ws, indicator, errors, subscribe} = await openSocket();
  assert.equal(shown(indicator), 'connecting: Connecting…', 'open, but no answer yet');
  ws.receive({jsonrpc: '2.0', id: subscribe.id, result: {subscription: subscribe.id}});
  await flush();
  ws.receive(update(subscribe.id));
  assert.equal(shown(indicator), 'open: Live');

  // pulse-server stops; the bridge stays up.
  ws.receive({jsonrpc: '2.0', method: 'subscriptionEnded', params: {subscription: subscribe.id,
    error: {code: 14, message: 'UNAVAILABLE: server shutting down'}}});
  assert.equal(shown(indicator), 'unavailable: Server unavailable');
  assert.equal(indicator.title, 'UNAVAILABLE: server shutting down');
  assert.deepEqual(errors, ['UNAVAILABLE: server shutting down']);

  // An update: it is back.
  ws.receive(update(subscribe.id));
  assert.equal(shown(indicator), 'open: Live');
  assert.equal(indicator.title, '');

  // A query failing UNAVAILABLE also says so; one that fails otherwise does not.
  const bad = socket.call('QueryTimeSeries', {postId: ''});
  ws.receive({jsonrpc: '2.0', id: ws.sent.at(-1).id, error: {code: 3, message: 'INVALID_ARGUMENT: post_id'}});
  await assert.rejects(bad, RpcError);
  assert.equal(shown(indicator), 'open: Live');
  const down = socket.call('QueryTimeSeries', {global: true});
  ws.receive({jsonrpc: '2.0', id: ws.sent.at(-1).id, error: {code: 14, message: 'UNAVAILABLE: refused'}});
  await assert.rejects(down, RpcError);
  assert.equal(shown(indicator), 'unavailable: Server unavailable');

  // A query's answer is the server's too.
  const up = socket.call('QueryTimeSeries', {global: true});
  ws.receive({jsonrpc: '2.0', id: ws.sent.at(-1).id, result: {points: []}});
  await up;
  assert.equal(shown(indicator), 'open: Live');
  socket.stop();
  assert.equal(shown(indicator), 'closed: Disconnected');
});

test('a call that fails after a later answer came does not mark the server down', async () => {
  const {socket, ws, indicator} = await openSocket();
  const old = socket.call('QueryTimeSeries', {global: true});
  const oldId = ws.sent.at(-1).id;
  const fresh = socket.call('GetPostStats', {postId: 'p'});
  ws.receive({jsonrpc: '2.0', id: ws.sent.at(-1).id, result: {}});
  await fresh;
  ws.receive({jsonrpc: '2.0', id: oldId, error: {code: 14, message: 'UNAVAILABLE: old'}});
  await assert.rejects(old, RpcError);
  assert.equal(shown(indicator), 'open: Live');
  socket.stop();
});

test('the indicator shows why the bridge closed: Server busy on 1013', async () => {
  const {socket, ws, indicator} = await openSocket();
  ws.drop(1013, 'too many connections');
  assert.equal(shown(indicator), 'closed: Server busy — retrying in 1.0 s');
  assert.equal(indicator.title, 'too many connections');
  socket.stop();
});

test('subscriptions waiting to retry go at once when the server is back', async () => {
  const {socket, ws, indicator, subscribe} = await openSocket();
  // The server is down: the Subscribe fails and waits (at least 250 ms).
  ws.receive({jsonrpc: '2.0', id: subscribe.id, error: {code: 14, message: 'UNAVAILABLE: down'}});
  await flush();
  assert.equal(shown(indicator), 'unavailable: Server unavailable');
  const subscribes = () => ws.sent.filter((f) => f.method === 'Subscribe').length;
  assert.equal(subscribes(), 1);
  // A query answers: the server is back.
  const q = socket.call('QueryTimeSeries', {global: true});
  ws.receive({jsonrpc: '2.0', id: ws.sent.at(-1).id, result: {points: []}});
  await q;
  assert.equal(subscribes(), 2, 'resubscribed without waiting out the delay');
  socket.stop();
});

test('RpcSocket started again after stop() connects again and resubscribes', async () => {
  const {socket, ws, subscribe} = await openSocket();
  ws.receive({jsonrpc: '2.0', id: subscribe.id, result: {subscription: subscribe.id}});
  await flush();
  const pending = socket.call('GetPostStats', {postId: 'p'});
  socket.stop();
  await assert.rejects(pending, DisconnectedError);
  assert.equal(socket.state, 'closed');
  socket.start();
  assert.equal(FakeSocket.all.length, 2);
  const again = FakeSocket.all[1];
  again.open();
  assert.equal(socket.state, 'open');
  assert.ok(again.sent.some((f) => f.method === 'Subscribe'));
  socket.stop();
});

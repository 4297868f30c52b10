// The dashboard's one websocket to pulse-bridge: JSON-RPC-shaped calls and
// live subscriptions that survive reconnects. Knows the bridge's frame format
// but nothing of panels.
//
// Events (EventTarget):
//   'state'    detail {state: 'connecting'|'open'|'closed', retryInMs, attempt,
//              code, reason}  (on 'closed': the close frame's code and reason)
//   'open'     detail {reconnect: boolean, downSinceMs}  after every (re)open
//   'backend'  detail {state: 'unknown'|'up'|'down', error}  whether
//              pulse-server answers behind the bridge (see `backend`)
import {Backoff} from './backoff.js';

// gRPC status codes with which the bridge says pulse-server did not answer.
const kBackendDownCodes = new Set([4 /* DEADLINE_EXCEEDED */, 14 /* UNAVAILABLE */]);

// Close codes with which the bridge asks to be left alone for a while: 1013
// (try again later: at its connection limit, it accepts and closes at once)
// and 1008 (policy: a socket shed for not reading its answers). Retrying
// within the backoff's first steps would make a storm of them.
const kWaitLongerCloseCodes = new Set([1008, 1013]);

// An error answer of the bridge: code is the gRPC status code.
export class RpcError extends Error {
  constructor({code, message, data}) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.data = data;
  }
}

// A call failed because the socket closed before it was answered.
export class DisconnectedError extends Error {
  constructor() {
    super('disconnected');
    this.name = 'DisconnectedError';
  }
}

export class RpcSocket extends EventTarget {
  // url: the ws:// address of /ws. WebSocketImpl and backoff are seams for
  // tests.
  constructor(url, {WebSocketImpl = globalThis.WebSocket, backoff = new Backoff(),
    callTimeoutMs = 15_000} = {}) {
    super();
    this.url_ = url;
    this.WebSocket_ = WebSocketImpl;
    this.backoff_ = backoff;
    this.callTimeoutMs_ = callTimeoutMs;
    this.ws_ = null;
    this.state_ = 'closed';
    this.nextId_ = 1;
    this.pending_ = new Map();       // request id -> {resolve, reject, timer}
    this.subscriptions_ = new Set(); // Subscription handles, live or not
    this.byServerId_ = new Map();    // subscription id (the Subscribe call's id) -> handle
    // Ids of Subscribe calls that timed out: the bridge may still make them,
    // and their late results are unsubscribed.
    this.abandoned_ = new Set();
    this.openedBefore_ = false;
    this.downSinceMs_ = null;
    this.retryTimer_ = null;
    this.stopped_ = false;
    // Whether this connection has delivered a frame: only then is it known to
    // work, and the reconnect backoff starts afresh.
    this.proven_ = false;
    this.backend_ = 'unknown';
    this.backendError_ = null;
    // Signs that pulse-server answers, counted: a call that fails after a
    // later sign came (a late answer to an old call) does not mark it down.
    this.upSigns_ = 0;
  }

  get state() {
    return this.state_;
  }

  // Whether pulse-server answers behind the bridge: 'unknown' until the
  // first answer or update since the socket opened, 'up' after one, 'down'
  // after a stream ended or a call failed UNAVAILABLE (or DEADLINE_EXCEEDED),
  // until the next answer or update.
  get backend() {
    return this.backend_;
  }

  // The RpcError that marked the backend down, or null.
  get backendError() {
    return this.backendError_;
  }

  // Opens the socket; it reopens by itself until stop(). May be called again
  // after stop().
  start() {
    this.stopped_ = false;
    if (!this.ws_) this.connect_();
  }

  // Closes until start() (the page is unloaded, or frozen in the back-forward
  // cache). Calls in flight fail at once with a DisconnectedError.
  stop() {
    this.stopped_ = true;
    clearTimeout(this.retryTimer_);
    const ws = this.ws_;
    if (!ws) {
      this.setState_('closed', {});
      return;
    }
    // Its close event may come only after the page is shown again, when a
    // new socket is already open: done here, and the event ignored.
    this.ws_ = null;
    ws.close(1000, 'bye');
    this.onClosed_({});
  }

  // Calls `method` with `params`; resolves with the result, rejects with an
  // RpcError, a DisconnectedError or a timeout Error.
  call(method, params = {}) {
    if (this.state_ !== 'open') return Promise.reject(new DisconnectedError());
    const id = this.nextId_++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending_.delete(id);
        if (method === 'Subscribe') this.abandoned_.add(id);
        reject(new Error(`${method} timed out`));
      }, this.callTimeoutMs_);
      this.pending_.set(id, {resolve, reject, timer, method, upSigns: this.upSigns_});
      this.send_({jsonrpc: '2.0', id, method, params});
    });
  }

  // Watches `params` (a SubscribeRequest in JSON form); onUpdate(update) gets
  // the snapshot and every later update, again after each reconnect (a fresh
  // snapshot first). Returns a handle whose close() ends it.
  subscribe(params, onUpdate, onError = () => {}) {
    const sub = new Subscription(this, params, onUpdate, onError);
    this.subscriptions_.add(sub);
    if (this.state_ === 'open') sub.open_();
    return sub;
  }

  connect_() {
    clearTimeout(this.retryTimer_);
    this.setState_('connecting', {});
    let ws;
    try {
      ws = new this.WebSocket_(this.url_);
    } catch (e) {
      this.scheduleRetry_();
      return;
    }
    this.ws_ = ws;
    ws.onopen = () => {
      if (ws !== this.ws_) return;
      // The backoff is not reset yet: a bridge at its connection limit
      // accepts and then closes (see onmessage).
      this.proven_ = false;
      // Ids are per connection. Every dashboard numbers its subscriptions
      // alike (1 for the global totals, ...), and the bridge frames an
      // update once for all sockets that named its subscription alike.
      this.nextId_ = 1;
      const reconnect = this.openedBefore_;
      this.openedBefore_ = true;
      this.setState_('open', {});
      for (const sub of this.subscriptions_) sub.open_();
      const downSinceMs = this.downSinceMs_;
      this.downSinceMs_ = null;
      this.dispatchEvent(new CustomEvent('open', {detail: {reconnect, downSinceMs}}));
    };
    ws.onmessage = (event) => {
      if (ws !== this.ws_) return;
      if (!this.proven_) {
        this.proven_ = true;
        this.backoff_.reset();
      }
      this.onFrame_(event.data);
    };
    // An error is always followed by close; the close handler does the work.
    ws.onerror = () => {};
    ws.onclose = (event) => {
      if (ws !== this.ws_) return;
      this.ws_ = null;
      this.onClosed_({code: event?.code, reason: event?.reason});
    };
  }

  // close: the close frame's {code, reason}, when there was one.
  onClosed_(close) {
    if (this.downSinceMs_ === null) this.downSinceMs_ = Date.now();
    for (const [, p] of this.pending_) {
      clearTimeout(p.timer);
      p.reject(new DisconnectedError());
    }
    this.pending_.clear();
    this.abandoned_.clear();
    this.byServerId_.clear();
    for (const sub of this.subscriptions_) sub.serverId_ = null;
    if (this.stopped_) this.setState_('closed', {});
    else this.scheduleRetry_(close);
    // Told after the state, so that nobody shows a closed socket as open.
    this.setBackend_('unknown', null);
  }

  scheduleRetry_(close = {}) {
    const retryInMs = kWaitLongerCloseCodes.has(close.code)
      ? this.backoff_.longest() : this.backoff_.next();
    this.setState_('closed', {retryInMs, attempt: this.backoff_.attempt,
      code: close.code, reason: close.reason});
    this.retryTimer_ = setTimeout(() => this.connect_(), retryInMs);
  }

  // An update came, or an answer only pulse-server gives.
  backendUp_() {
    this.upSigns_++;
    if (this.backend_ === 'up') return;
    const wasDown = this.backend_ === 'down';
    this.setBackend_('up', null);
    // The server is back: subscriptions waiting out their retry delay (up
    // to 15 s) need not wait any longer.
    if (wasDown) for (const sub of this.subscriptions_) sub.retryNow_();
  }

  setBackend_(state, error) {
    if (this.backend_ === state && this.backendError_ === error) return;
    this.backend_ = state;
    this.backendError_ = error;
    this.dispatchEvent(new CustomEvent('backend', {detail: {state, error}}));
  }

  setState_(state, extra) {
    this.state_ = state;
    this.dispatchEvent(new CustomEvent('state', {detail: {state, ...extra}}));
  }

  send_(frame) {
    if (this.ws_ && this.state_ === 'open') this.ws_.send(JSON.stringify(frame));
  }

  onFrame_(text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch (e) {
      console.warn('pulse: dropped a frame that is not JSON');
      return;
    }
    if (frame.method === 'update') {
      this.backendUp_();
      const sub = this.byServerId_.get(frame.params?.subscription);
      if (sub) sub.deliver_(frame.params.update);
      return;
    }
    if (frame.method === 'subscriptionEnded') {
      // The server stream ended: pulse-server stopped, or the bridge lost it.
      const error = frame.params?.error;
      if (!error || kBackendDownCodes.has(error.code)) {
        this.setBackend_('down', new RpcError(error ?? {code: 14, message: 'subscription ended'}));
      }
      const sub = this.byServerId_.get(frame.params?.subscription);
      if (sub) {
        this.byServerId_.delete(sub.serverId_);
        sub.ended_(frame.params.error);
      }
      return;
    }
    if (this.abandoned_.delete(frame.id)) {
      // Nobody watches it: without this it would feed the socket and count
      // toward the bridge's limit.
      const subscription = frame.result?.subscription;
      if (subscription !== undefined) this.call('Unsubscribe', {subscription}).catch(() => {});
      return;
    }
    const p = this.pending_.get(frame.id);
    if (!p) return;
    this.pending_.delete(frame.id);
    clearTimeout(p.timer);
    if (frame.error) {
      const error = new RpcError(frame.error);
      if (kBackendDownCodes.has(error.code) && p.upSigns === this.upSigns_) {
        this.setBackend_('down', error);
      }
      p.reject(error);
    } else {
      // The bridge answers Unsubscribe by itself.
      if (p.method !== 'Unsubscribe') this.backendUp_();
      p.resolve(frame.result);
    }
  }
}

// One live subscription; re-established on every reconnect.
class Subscription {
  constructor(socket, params, onUpdate, onError) {
    this.socket_ = socket;
    this.params_ = params;
    this.onUpdate_ = onUpdate;
    this.onError_ = onError;
    this.serverId_ = null;
    this.closed_ = false;
    this.retryTimer_ = null;
    this.waiting_ = false; // between a failure and its retry
    this.backoff_ = new Backoff({baseMs: 500, maxMs: 15_000});
  }

  // Ends the subscription, here and at the bridge.
  close() {
    this.closed_ = true;
    clearTimeout(this.retryTimer_);
    this.socket_.subscriptions_.delete(this);
    if (this.serverId_ !== null) {
      this.socket_.byServerId_.delete(this.serverId_);
      this.socket_.call('Unsubscribe', {subscription: this.serverId_}).catch(() => {});
      this.serverId_ = null;
    }
  }

  open_() {
    clearTimeout(this.retryTimer_);
    this.waiting_ = false;
    this.socket_.call('Subscribe', this.params_).then((result) => {
      if (this.closed_) {
        this.socket_.call('Unsubscribe', {subscription: result.subscription}).catch(() => {});
        return;
      }
      this.serverId_ = result.subscription;
      this.socket_.byServerId_.set(this.serverId_, this);
    }, (error) => {
      if (this.closed_ || error instanceof DisconnectedError) return;
      this.onError_(error);
      this.retryLater_();
    });
  }

  deliver_(update) {
    if (this.closed_) return;
    this.backoff_.reset();
    this.onUpdate_(update);
  }

  // The backend ended the stream (e.g. pulse-server restarting): ask again.
  ended_(error) {
    this.serverId_ = null;
    if (this.closed_) return;
    if (error) this.onError_(new RpcError(error));
    this.retryLater_();
  }

  // Retries now if it waits for a retry (the backend is back).
  retryNow_() {
    if (this.waiting_ && !this.closed_) this.open_();
  }

  retryLater_() {
    this.waiting_ = true;
    this.retryTimer_ = setTimeout(() => {
      if (!this.closed_ && this.socket_.state === 'open') this.open_();
    }, this.backoff_.next());
  }
}

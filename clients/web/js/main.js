// The dashboard's entry point: one websocket to the bridge that served this
// page, and the panels that watch it.
import {attachConnectionIndicator} from './panels/connection_indicator.js';
import {DrilldownPanel} from './panels/drilldown_panel.js';
import {GlobalPanel} from './panels/global_panel.js';
import {RateChartPanel} from './panels/rate_chart_panel.js';
import {TopPostsPanel} from './panels/top_posts_panel.js';
import {TrendingPanel} from './panels/trending_panel.js';
import {RpcSocket} from './rpc_socket.js';
import {socketUrl} from './socket_url.js';
import {ServerClock} from './timestamp.js';

const $ = (id) => document.getElementById(id);
const socket = new RpcSocket(socketUrl(location.href));
const clock = new ServerClock();
attachConnectionIndicator($('connection'), socket);

// First: every dashboard names the global totals' subscription 1, so the
// bridge frames its updates once for all of them.
new GlobalPanel($('global'), socket, clock);

let drilldown = null;
const select = (selection) => drilldown.show(selection);
drilldown = new DrilldownPanel($('drilldown'), socket, clock, select);
new RateChartPanel($('rate'), socket, clock);
new TopPostsPanel($('top-posts'), socket, clock, select);
new TrendingPanel($('trending'), socket, select);

// A page in the back-forward cache must hold no open websocket; one shown
// again from it (the Back button) connects again, resubscribes and backfills.
addEventListener('pagehide', () => socket.stop());
addEventListener('pageshow', (event) => {
  if (event.persisted) socket.start();
});
socket.start();

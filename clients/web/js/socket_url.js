// The address of the bridge's /ws for a dashboard page the bridge served:
// wss: for an https: page (a browser refuses ws: from one), and the page's
// access_token, if any, carried over (a browser cannot set headers on a
// websocket; the bridge reads the token from the query).
export function socketUrl(pageUrl) {
  const page = new URL(pageUrl);
  const scheme = page.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = page.searchParams.get('access_token');
  const query = token ? `?access_token=${encodeURIComponent(token)}` : '';
  return `${scheme}//${page.host}/ws${query}`;
}

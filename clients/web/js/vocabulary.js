// The proto enums and server settings the dashboard offers in its controls.

// TopPosts/TrendingHashtags windows configured on pulse-server (--windows).
export const kWindows = [
  {seconds: 300, label: '5 min'},
  {seconds: 3600, label: '1 h'},
  {seconds: 86400, label: '24 h'},
];

// Metrics a post can be ranked or charted by; FOLLOWERS and POSTS are
// account/global only.
export const kPostMetrics = [
  {name: 'ENGAGEMENTS', label: 'Engagements'},
  {name: 'IMPRESSIONS', label: 'Impressions'},
  {name: 'LIKES', label: 'Likes'},
  {name: 'SHARES', label: 'Shares'},
  {name: 'COMMENTS', label: 'Comments'},
  {name: 'CLICKS', label: 'Clicks'},
];

export const kAccountMetrics = [
  ...kPostMetrics,
  {name: 'FOLLOWERS', label: 'Followers'},
  {name: 'POSTS', label: 'Posts'},
];

// Resolutions with the span a drill-down chart shows at each (always well
// under the server's 10,000 buckets, and within its retention).
export const kResolutions = [
  {name: 'SECOND', label: 'Second', bucketSec: 1, spanSec: 15 * 60},
  {name: 'MINUTE', label: 'Minute', bucketSec: 60, spanSec: 6 * 3600},
  {name: 'HOUR', label: 'Hour', bucketSec: 3600, spanSec: 7 * 86400},
  {name: 'DAY', label: 'Day', bucketSec: 86400, spanSec: 90 * 86400},
];

// The resolution a sparkline uses for a board window: about 24-300 points.
export function sparklineResolution(windowSec) {
  if (windowSec <= 600) return kResolutions[0];
  if (windowSec <= 6 * 3600) return kResolutions[1];
  return kResolutions[2];
}

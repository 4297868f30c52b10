// int64 values arrive as decimal strings in protobuf's JSON mapping. They are
// kept as BigInt so that no count ever loses precision, and formatted for
// display by truncation, so a shown number never overstates the server's.

const kInt64 = /^-?\d+$/;

// Parses an int64 JSON value (string, number or absent) into a BigInt.
// Absent means the proto default, 0. Throws on anything else.
export function parseInt64(value) {
  if (value === undefined || value === null) return 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) {
    return BigInt(value);
  }
  if (typeof value === 'string' && kInt64.test(value)) return BigInt(value);
  throw new TypeError(`not an int64: ${JSON.stringify(value)}`);
}

const kUnits = [
  [1_000_000_000_000_000n, 'P'],
  [1_000_000_000_000n, 'T'],
  [1_000_000_000n, 'B'],
  [1_000_000n, 'M'],
  [1_000n, 'k'],
];

// The exact value with thousands separators ("1,234,567").
export function formatExact(value) {
  const v = parseInt64(value);
  const digits = (v < 0n ? -v : v).toString();
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return v < 0n ? `-${grouped}` : grouped;
}

// A short form: exact below 1,000, then 1.2k, 12.3k, 123k, 3.4M, 5.6B...
// Truncated, never rounded up, so 999,999 shows as 999.9k.
export function formatCount(value) {
  const v = parseInt64(value);
  const negative = v < 0n;
  const abs = negative ? -v : v;
  let text = abs.toString();
  for (const [unit, suffix] of kUnits) {
    if (abs < unit) continue;
    const whole = abs / unit;
    if (whole >= 100n) {
      text = `${whole}${suffix}`;
    } else {
      const tenth = (abs * 10n / unit) % 10n;
      text = tenth === 0n ? `${whole}${suffix}` : `${whole}.${tenth}${suffix}`;
    }
    break;
  }
  return negative ? `-${text}` : text;
}

// A double ratio as a percentage with two decimals ("3.45%").
export function formatPercent(ratio) {
  const r = Number(ratio ?? 0);
  return `${(r * 100).toFixed(2)}%`;
}

// A double rate per second ("66.6/s", "12.3k/s").
export function formatRate(perSecond) {
  const r = Number(perSecond ?? 0);
  if (Math.abs(r) < 1000) return `${r.toFixed(1)}/s`;
  return `${formatCount(BigInt(Math.trunc(r)))}/s`;
}

// Growth (current - previous) / max(previous, 1) as a signed percentage.
export function formatGrowth(growth) {
  const g = Number(growth ?? 0) * 100;
  const abs = Math.abs(g);
  const text = abs >= 1000 ? formatCount(BigInt(Math.trunc(abs))) : abs.toFixed(abs < 10 ? 1 : 0);
  return `${g < 0 ? '−' : '+'}${text}%`;
}

// Waiting by polling: every wait in the browser test has a deadline.

// Calls fn until it returns a truthy value (returned) or `timeoutMs` passes,
// then throws naming `what` and fn's last value or error.
export async function poll(what, fn, {timeoutMs = 2000, intervalMs = 50} = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${detail})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

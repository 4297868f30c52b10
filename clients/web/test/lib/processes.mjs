// Child processes of the browser test: started with their output in log
// files, stopped by signal with a deadline, and all killed when the test
// process exits however it exits.
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {poll} from './poll.mjs';

const children = new Set();

function killAll() {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch (e) {
      // Already gone.
    }
  }
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAll();
    process.exit(1);
  });
}

// A started process: `exited` resolves with its exit code (or signal name).
export function start(name, bin, args, logDir, {stdin = 'ignore'} = {}) {
  const log = path.join(logDir, `${name}.log`);
  const out = fs.openSync(log, 'a');
  const child = spawn(bin, args, {stdio: [stdin, out, out]});
  fs.closeSync(out);
  children.add(child);
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? signal);
    });
    child.on('error', (e) => {
      children.delete(child);
      resolve(`spawn error: ${e.message}`);
    });
  });
  return {name, child, exited, log};
}

// Sends SIGTERM and waits up to `timeoutMs` for the exit, then SIGKILLs.
export async function stop(proc, timeoutMs = 10_000) {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.exited;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  return code;
}

// Runs `bin args` to completion with `input` on stdin; resolves with
// {code, stdout, stderr}; killed after `timeoutMs`.
export function run(bin, args, input = '', timeoutMs = 20_000) {
  return new Promise((resolve) => {
    const child = spawn(bin, args, {stdio: ['pipe', 'pipe', 'pipe']});
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({code: code ?? signal, stdout, stderr});
    });
    child.on('error', (e) => resolve({code: -1, stdout, stderr: e.message}));
    child.stdin.end(input);
  });
}

// The port a process wrote to its --port_file, once it has.
export function readPortFile(file, proc, timeoutMs = 20_000) {
  return poll(`${proc.name}'s port file`, () => {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited; see ${proc.log}`);
    if (!fs.existsSync(file)) return null;
    // The first line is the port; pulse-server adds its metrics port below it.
    const port = Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
    return port > 0 ? port : null;
  }, {timeoutMs, intervalMs: 50});
}

// A loopback port that was free a moment ago.
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address();
      server.close(() => resolve(port));
    });
  });
}

// The last `lines` lines of a log file, for failure reports.
export function tail(file, lines = 20) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch (e) {
    return `(no log: ${e.message})`;
  }
}

// Process-level behaviour (start-up, exit, crashes) is tested in child
// processes: Python starts once per process and can never be restarted.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { root } from './build.js';

// Under `npm run test:asan` every process runs several times slower, so the
// hang bounds below stretch by this much there; plain runs keep them as
// written (the 2 s of the exit tests, say).
const SANITIZER_SLOWDOWN = process.env.STATIC_PY_SANITIZER ? 5 : 1;

/**
 * `env` with LeakSanitizer off, for a child that deliberately runs Python on
 * pymalloc: its mmap()ed arenas hide pointers from the leak checker. Only
 * matters under `npm run test:asan`.
 */
export function withoutLeakCheck(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env.ASAN_OPTIONS ? { ...env, ASAN_OPTIONS: `${env.ASAN_OPTIONS}:detect_leaks=0` } : env;
}

let counter = 0;
const written: string[] = [];
process.on('exit', () => written.forEach((f) => fs.rmSync(f, { force: true })));

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** With `exitWithin`: the child printed the marker and was still running `ms` later (killed). */
  hung?: boolean;
}

/**
 * Writes `source` (CommonJS, or ESM with `esm`) where it can
 * `require('static-py')`, and returns its path; removed at exit.
 */
export function childScript(source: string, { esm = false } = {}): string {
  // Inside the package directory, so `require('static-py')` finds this
  // package by its own name (package.json "exports").
  const dir = path.join(root, 'builds', 'test-children');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `child-${process.pid}-${++counter}.${esm ? 'mjs' : 'cjs'}`);
  fs.writeFileSync(file, source, 'utf8');
  written.push(file);
  return file;
}

/**
 * Runs `source` (CommonJS, or ESM with `esm`; 'static-py' is this package)
 * in a new Node process and collects its output.
 */
export function runChild(
  source: string,
  options: {
    env?: NodeJS.ProcessEnv; timeoutMs?: number; args?: string[]; cwd?: string; esm?: boolean;
    /** A hang bound, not a speed test: once stdout shows `marker`, the child must be gone within `ms`. */
    exitWithin?: { marker: string; ms: number };
  } = {},
): Promise<ChildResult> {
  const file = childScript(source, { esm: options.esm });
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.args ?? []), file], {
      env: options.env ?? process.env,
      cwd: options.cwd ?? root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let hang: NodeJS.Timeout | undefined;
    let hung = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      const bound = options.exitWithin;
      if (bound && !hang && stdout.includes(bound.marker)) {
        hang = setTimeout(() => {
          hung = true;
          child.kill('SIGKILL');
        }, bound.ms * SANITIZER_SLOWDOWN);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), (options.timeoutMs ?? 60_000) * SANITIZER_SLOWDOWN);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(hang);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, ...(options.exitWithin ? { hung } : {}) });
    });
  });
}

/** Runs a child that prints one JSON document as its last line, and parses it. */
export async function childJson<T = unknown>(source: string, options: Parameters<typeof runChild>[1] = {}): Promise<T> {
  const r = await runChild(source, options);
  if (r.code !== 0) throw new Error(`child exited with ${r.code ?? r.signal}:\n${r.stderr}\n${r.stdout}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as T;
}

import type { Command } from 'commander';
import { ERROR_CODES, GovError, type ErrorCode } from '../../core/errors.js';
import { loadCommandConfig } from '../context.js';
import { printJson, printTable } from '../output.js';

/**
 * `governator pause | resume | plans …`: operator commands for the action engine. They talk to the RUNNING
 * server over its HTTP API rather than to the database: the server's engine is the one that must stop
 * (pause) or carry out an approved plan, and with the embedded database the server holds the data directory
 * anyway. `--url` (default GOVERNATOR_URL, else http://127.0.0.1:<server.port>) and `--key` (default
 * GOVERNATOR_API_KEY) — an API key whose role has nodes:scale (pause, resume, approve, reject) or nodes:read
 * (list). Every change is in the server's audit log under that key.
 */
interface RemoteOptions {
  url?: string;
  key?: string;
  json?: boolean;
}

function addRemoteOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'the Governator server (default $GOVERNATOR_URL, else http://127.0.0.1:<server.port>)')
    .option('--key <key>', 'API key (default $GOVERNATOR_API_KEY)')
    .option('--json', 'print JSON');
}

async function call(cmd: Command, opts: RemoteOptions, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const key = opts.key ?? process.env.GOVERNATOR_API_KEY;
  if (key === undefined || key === '') {
    throw new GovError('GOV_VALIDATION', 'no API key: pass --key or set GOVERNATOR_API_KEY (a key with nodes:scale, or nodes:read to list)');
  }
  let base = opts.url ?? process.env.GOVERNATOR_URL;
  if (base === undefined || base === '') base = `http://127.0.0.1:${loadCommandConfig(cmd).config.server.port}`;
  let url: URL;
  try {
    url = new URL(path, base.endsWith('/') ? base : `${base}/`);
  } catch {
    throw new GovError('GOV_VALIDATION', `--url is not a URL: ${JSON.stringify(base)}`);
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new GovError('GOV_NOT_READY', `cannot reach the Governator server at ${url.origin}: ${(error as Error).message} (is governator serve running? see --url)`, { cause: error });
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    throw new GovError('GOV_INTERNAL', `the server at ${url.origin} answered ${response.status} with something that is not JSON`);
  }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    const code = error?.code !== undefined && error.code in ERROR_CODES ? error.code as ErrorCode : 'GOV_INTERNAL';
    throw new GovError(code, error?.message ?? `the server answered ${response.status}`, { details: error?.details });
  }
  return parsed;
}

function planId(raw: string): number {
  const id = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(id) || id < 1) throw new GovError('GOV_VALIDATION', `plan id must be a positive integer, got ${JSON.stringify(raw)}`);
  return id;
}

interface PlanJson { id: number; pool: string; mode: string; status: string; createdAt: string; summary: string; detail: string | null; decidedBy: string | null }
interface ControlJson { paused: boolean; reason: string | null; updatedBy: string | null; updatedAt: string | null }

function printControl(control: ControlJson): void {
  process.stdout.write(control.paused
    ? `actions PAUSED by ${control.updatedBy ?? 'unknown'} at ${control.updatedAt ?? '?'}${control.reason ? `: ${control.reason}` : ''}\n`
    : `actions running (kill switch off${control.updatedBy ? `; last changed by ${control.updatedBy} at ${control.updatedAt ?? '?'}` : ''})\n`);
}

export function registerActions(program: Command): void {
  addRemoteOptions(program.command('pause'))
    .description('turn the global kill switch on: the server carries out no action until resume (persisted)')
    .option('--reason <text>', 'why (kept with the switch and in the audit log)')
    .action(async (opts: RemoteOptions & { reason?: string }, cmd: Command) => {
      const control = await call(cmd, opts, 'POST', 'api/v1/control/pause', opts.reason ? { reason: opts.reason } : {}) as ControlJson;
      if (opts.json) printJson(control);
      else printControl(control);
    });

  addRemoteOptions(program.command('resume'))
    .description('turn the global kill switch off: actions run again')
    .action(async (opts: RemoteOptions, cmd: Command) => {
      const control = await call(cmd, opts, 'POST', 'api/v1/control/resume') as ControlJson;
      if (opts.json) printJson(control);
      else printControl(control);
    });

  const plans = program.command('plans').description('action plans: list them, approve or reject those waiting');

  addRemoteOptions(plans.command('list'))
    .description('list recent plans, newest first')
    .option('--status <list>', 'only these statuses, comma-separated (e.g. pending-approval)')
    .option('--pool <name>', 'only this pool')
    .option('--limit <n>', 'how many (1-1000)', '50')
    .action(async (opts: RemoteOptions & { status?: string; pool?: string; limit: string }, cmd: Command) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new GovError('GOV_VALIDATION', `--limit must be an integer from 1 to 1000, got ${JSON.stringify(opts.limit)}`);
      const query = new URLSearchParams({ limit: String(limit), ...(opts.status ? { status: opts.status } : {}), ...(opts.pool ? { pool: opts.pool } : {}) });
      const result = await call(cmd, opts, 'GET', `api/v1/plans?${query.toString()}`) as { plans: PlanJson[] };
      if (opts.json) {
        printJson(result);
        return;
      }
      printTable(['ID', 'POOL', 'MODE', 'STATUS', 'CREATED', 'SUMMARY'], result.plans.map((p) => [
        String(p.id), p.pool, p.mode, p.status, p.createdAt, p.detail ? `${p.summary} (${p.detail})` : p.summary,
      ]));
    });

  addRemoteOptions(plans.command('approve'))
    .description('approve a plan waiting for approval; the server runs it within the guardrails')
    .argument('<id>', 'plan id (see plans list)')
    .action(async (id: string, opts: RemoteOptions, cmd: Command) => {
      const plan = await call(cmd, opts, 'POST', `api/v1/plans/${planId(id)}/approve`, {}) as PlanJson;
      if (opts.json) printJson(plan);
      else process.stdout.write(`plan ${plan.id} (${plan.pool}) approved by ${plan.decidedBy ?? '?'}: it runs now; follow it with governator plans list\n`);
    });

  addRemoteOptions(plans.command('reject'))
    .description('reject a plan waiting for approval; it never runs')
    .argument('<id>', 'plan id (see plans list)')
    .option('--reason <text>', 'why')
    .action(async (id: string, opts: RemoteOptions & { reason?: string }, cmd: Command) => {
      const plan = await call(cmd, opts, 'POST', `api/v1/plans/${planId(id)}/reject`, opts.reason ? { reason: opts.reason } : {}) as PlanJson;
      if (opts.json) printJson(plan);
      else process.stdout.write(`plan ${plan.id} (${plan.pool}) rejected\n`);
    });
}

import { spawn } from 'node:child_process';
import { providerError } from '../../../core/provider/errors.js';

/** Where and how to reach one IPMI BMC over the network (IPMI 2.0 / RMCP+, `ipmitool -I lanplus`). */
export interface IpmiTarget {
  /** BMC host name or IP address. */
  readonly host: string;
  /** UDP port; default 623. */
  readonly port?: number;
  readonly username: string;
  /** Handed to ipmitool through the IPMI_PASSWORD environment variable (`-E`), never on its command line. */
  readonly password: string;
  /** RMCP+ cipher suite (`-C`); default: ipmitool's own choice. 3 or 17 skip a slow negotiation on most BMCs. */
  readonly cipherSuite?: number;
}

export type IpmiPowerCommand = 'status' | 'on' | 'off' | 'soft';

export interface IpmiRunnerOptions {
  /** Provider instance name, for error messages. */
  readonly provider: string;
  /** Path of the ipmitool binary; default `ipmitool` (looked up on PATH). */
  readonly ipmitoolPath?: string;
  /** Kill ipmitool after this long; default 20 000 ms. */
  readonly timeoutMs?: number;
}

export type PowerStatus = 'on' | 'off';

/**
 * Runs `ipmitool … chassis power <command>` with an argument array (no shell, so nothing in a host name or
 * user name can be interpreted) and the password in the child's environment only. Resolves with the power
 * status for `status`, and with null for the control commands.
 */
export async function ipmiPower(
  target: IpmiTarget, command: IpmiPowerCommand, options: IpmiRunnerOptions & { operation: string; nodeId: string; signal?: AbortSignal },
): Promise<PowerStatus | null> {
  const args = [
    '-I', 'lanplus', '-H', target.host, '-p', String(target.port ?? 623), '-U', target.username, '-E',
    // One retry and a 2 s UDP timeout: the engine owns retries; ipmitool's own (4 × growing timeouts) would hold
    // an action for half a minute on a dead BMC.
    '-N', '2', '-R', '1',
    // -v makes ipmitool say why an RMCP+ session failed (wrong password vs no answer); otherwise both read the same.
    '-v',
    ...(target.cipherSuite === undefined ? [] : ['-C', String(target.cipherSuite)]),
    'chassis', 'power', command,
  ];
  const { provider, operation, nodeId } = options;
  const { code, stdout, stderr } = await run(options.ipmitoolPath ?? 'ipmitool', args, {
    // A minimal environment: PATH for the binary's own needs, the password for -E, nothing else of ours.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', IPMI_PASSWORD: target.password },
    timeoutMs: options.timeoutMs ?? 20_000,
    signal: options.signal,
  }).catch((error: unknown) => {
    const errno = (error as NodeJS.ErrnoException).code;
    if (errno === 'ENOENT') {
      throw providerError('Unavailable', provider, operation, `ipmitool not found (${options.ipmitoolPath ?? 'ipmitool'}); install it (Debian: ipmitool)`,
        { nodeId, retryable: false, cause: error });
    }
    if (errno === 'ETIMEDOUT') {
      throw providerError('Timeout', provider, operation, `BMC ${target.host} did not answer in time`, { nodeId, cause: error });
    }
    if (errno === 'ABORT_ERR') {
      throw providerError('Timeout', provider, operation, `aborted while talking to BMC ${target.host}`, { nodeId, retryable: false, cause: error });
    }
    throw providerError('Unavailable', provider, operation, `ipmitool failed to run: ${(error as Error).message}`, { nodeId, cause: error });
  });
  // ipmitool never echoes the password, but scrub it anyway before any of its output reaches an error message.
  const said = scrub(`${stderr}\n${stdout}`, target.password);
  if (code !== 0) throw classify(said, { provider, operation, nodeId, host: target.host });
  if (command !== 'status') return null;
  const match = /Chassis Power is (on|off)/i.exec(stdout);
  if (match === null) {
    throw providerError('Unavailable', provider, operation, `unexpected ipmitool output from BMC ${target.host}: ${firstLines(said)}`, { nodeId });
  }
  return match[1]!.toLowerCase() as PowerStatus;
}

function classify(said: string, context: { provider: string; operation: string; nodeId: string; host: string }) {
  const { provider, operation, nodeId, host } = context;
  const detail = firstLines(said);
  if (/HMAC is invalid|unauthorized name|invalid authentication|Authentication type .* not supported/i.test(said)) {
    return providerError('AuthFailed', provider, operation, `BMC ${host} rejected the credentials: ${detail}`, { nodeId, providerCode: 'IPMI_AUTH' });
  }
  if (/Insufficient privilege level|privilege level/i.test(said)) {
    return providerError('AuthFailed', provider, operation, `BMC ${host}: user lacks the privilege: ${detail}`, { nodeId, providerCode: 'IPMI_PRIV' });
  }
  if (/Unable to establish|No response|timeout|Connection refused|Get Auth Capabilities/i.test(said)) {
    return providerError('Unavailable', provider, operation, `no IPMI session with BMC ${host}: ${detail}`, { nodeId, providerCode: 'IPMI_SESSION' });
  }
  if (/Invalid data field|Invalid command|not supported/i.test(said)) {
    return providerError('InvalidRequest', provider, operation, `BMC ${host} refused the command: ${detail}`, { nodeId, providerCode: 'IPMI_REFUSED' });
  }
  return providerError('Unavailable', provider, operation, `ipmitool failed against BMC ${host}: ${detail}`, { nodeId });
}

/** The lines that matter (not ipmitool's chatter about loading the IANA registry), short. */
function firstLines(text: string): string {
  return text.split('\n').map((line) => line.trim())
    .filter((line) => line !== '' && !/^Loading IANA|^Running Get|^>>|^<</.test(line))
    .slice(0, 3).join('; ').slice(0, 300);
}

function scrub(text: string, secret: string): string {
  return secret === '' ? text : text.split(secret).join('***');
}

interface RunResult { readonly code: number | null; readonly stdout: string; readonly stderr: string }

function run(
  file: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: options.env, stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(() => reject(Object.assign(new Error(`ipmitool ran past ${options.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    }, options.timeoutMs);
    const onAbort = () => {
      child.kill('SIGKILL');
      finish(() => reject(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' })));
    };
    if (options.signal?.aborted === true) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.on('error', (error) => finish(() => reject(error)));
    child.on('close', (code) => finish(() => resolve({ code, stdout, stderr })));
  });
}

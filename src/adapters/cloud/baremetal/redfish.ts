import { Agent, request, type Dispatcher } from 'undici';
import { providerError } from '../../../core/provider/errors.js';
import type { PowerStatus } from './ipmi.js';

/** A Redfish service (DMTF DSP0266) and the ComputerSystem to drive. */
export interface RedfishTarget {
  /** Base URL of the BMC, e.g. `https://10.0.0.21` (the adapter appends `/redfish/v1/…`). */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** The ComputerSystem member id under /redfish/v1/Systems; default `1` (Dell: `System.Embedded.1`). */
  readonly systemId?: string;
}

export type RedfishResetType = 'On' | 'GracefulShutdown' | 'ForceOff';

export interface RedfishClientOptions {
  readonly provider: string;
  /** undici dispatcher (tests: MockAgent). Default: an Agent that checks TLS certificates unless `insecureTls`. */
  readonly dispatcher?: Dispatcher;
  /** Accept self-signed BMC certificates (common on BMCs); default false. */
  readonly insecureTls?: boolean;
  /** Per request; default 15 000 ms. */
  readonly timeoutMs?: number;
}

/** A thin Redfish client: PowerState reads and ComputerSystem.Reset. Never logs, never retries. */
export class RedfishClient {
  readonly #provider: string;
  readonly #dispatcher: Dispatcher;
  readonly #timeoutMs: number;

  constructor(options: RedfishClientOptions) {
    this.#provider = options.provider;
    this.#dispatcher = options.dispatcher
      ?? new Agent({ connect: { rejectUnauthorized: options.insecureTls !== true } });
    this.#timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** The system's PowerState, folded to where it is heading: On/PoweringOn → `on`, Off/PoweringOff → `off`. */
  async powerState(target: RedfishTarget, context: { operation: string; nodeId: string; signal?: AbortSignal }): Promise<PowerStatus> {
    const body = await this.#call(target, 'GET', systemPath(target), undefined, context) as { PowerState?: unknown };
    const state = body.PowerState;
    // PoweringOn counts as on (a start is under way), PoweringOff as off (a stop is under way): what matters
    // to the engine is where the machine is heading.
    if (state === 'On' || state === 'PoweringOn') return 'on';
    if (state === 'Off' || state === 'PoweringOff') return 'off';
    throw providerError('Unavailable', this.#provider, context.operation,
      `Redfish system ${target.systemId ?? '1'} reported no usable PowerState (${JSON.stringify(state ?? null)})`, { nodeId: context.nodeId });
  }

  async reset(target: RedfishTarget, resetType: RedfishResetType, context: { operation: string; nodeId: string; signal?: AbortSignal }): Promise<void> {
    await this.#call(target, 'POST', `${systemPath(target)}/Actions/ComputerSystem.Reset`, { ResetType: resetType }, context);
  }

  async #call(
    target: RedfishTarget, method: 'GET' | 'POST', path: string, payload: unknown,
    context: { operation: string; nodeId: string; signal?: AbortSignal },
  ): Promise<unknown> {
    const { operation, nodeId } = context;
    const url = new URL(path, target.url.endsWith('/') ? target.url : `${target.url}/`);
    const headers: Record<string, string> = {
      authorization: `Basic ${Buffer.from(`${target.username}:${target.password}`).toString('base64')}`,
      accept: 'application/json',
      'odata-version': '4.0',
    };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method, headers, dispatcher: this.#dispatcher,
        ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
        headersTimeout: this.#timeoutMs, bodyTimeout: this.#timeoutMs,
        ...(context.signal === undefined ? {} : { signal: context.signal }),
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      const kind = /TIMEOUT/.test(code) ? 'Timeout' : 'Unavailable';
      throw providerError(kind, this.#provider, operation, `Redfish ${url.host} unreachable: ${code || (error as Error).message}`, { nodeId, cause: error });
    }
    const text = await response.body.text();
    const status = response.statusCode;
    if (status >= 200 && status < 300) {
      if (text === '') return {};
      try { return JSON.parse(text) as unknown; } catch {
        throw providerError('Unavailable', this.#provider, operation, `Redfish ${url.host} answered ${status} with a body that is not JSON`, { nodeId });
      }
    }
    const message = redfishMessage(text);
    const retryAfterMs = retryAfter(response.headers['retry-after']);
    const where = `Redfish ${method} ${url.pathname} → ${status}${message === '' ? '' : `: ${message}`}`;
    const common = { nodeId, providerCode: String(status), ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    if (status === 401 || status === 403) throw providerError('AuthFailed', this.#provider, operation, where, common);
    if (status === 404) throw providerError('NotFound', this.#provider, operation, where, common);
    if (status === 429) throw providerError('Throttled', this.#provider, operation, where, common);
    if (status === 400 || status === 405 || status === 409) throw providerError('InvalidRequest', this.#provider, operation, where, common);
    if (status === 504) throw providerError('Timeout', this.#provider, operation, where, common);
    throw providerError('Unavailable', this.#provider, operation, where, common);
  }
}

function systemPath(target: RedfishTarget): string {
  return `redfish/v1/Systems/${encodeURIComponent(target.systemId ?? '1')}`;
}

/** The first message of a Redfish error body (`error.@Message.ExtendedInfo[0].Message` or `error.message`). */
function redfishMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: string; '@Message.ExtendedInfo'?: Array<{ Message?: string; MessageId?: string }> } };
    const info = body.error?.['@Message.ExtendedInfo']?.[0];
    return (info?.Message ?? body.error?.message ?? '').slice(0, 300);
  } catch {
    return '';
  }
}

function retryAfter(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

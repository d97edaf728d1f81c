import { createHash } from 'node:crypto';
import {
  DescribeInstancesCommand, EC2Client, RunInstancesCommand, StopInstancesCommand, TerminateInstancesCommand,
  paginateDescribeInstances, type Filter, type Instance, type RunInstancesCommandInput, type Tag,
} from '@aws-sdk/client-ec2';
import type { NodeState } from '../../../core/model/node.js';
import { isGovError } from '../../../core/errors.js';
import { providerError, type ProviderErrorKind } from '../../../core/provider/errors.js';
import { POOL_LABEL, TOKEN_LABEL } from '../../../ports/cloud-provider.js';
import type {
  CloudProvider, ProviderHealth, ProviderNode, StartNodeRequest, StopNodeRequest,
} from '../../../ports/cloud-provider.js';

/** Tag carrying the catalog offering id a node was started as. */
export const OFFERING_TAG = 'governator:offering';

/** How to launch an instance: a launch template, or plain parameters (which override the template's). */
export interface AwsLaunchSpec {
  readonly launchTemplateId?: string;
  readonly launchTemplateName?: string;
  /** Template version; default `$Default`. */
  readonly launchTemplateVersion?: string;
  readonly imageId?: string;
  readonly subnetId?: string;
  readonly securityGroupIds?: readonly string[];
  readonly keyName?: string;
  /** Instance profile ARN for the node's own role. */
  readonly iamInstanceProfileArn?: string;
  /** Base64 is done by the SDK; plain text here. */
  readonly userData?: string;
}

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface AwsProviderOptions {
  /** Provider instance name (config), e.g. `aws-prod`. */
  readonly name: string;
  /** One region per provider instance; offerings of other regions are refused. */
  readonly region: string;
  /**
   * Static credentials (from the encrypted credential store). Omitted: the SDK's default chain (instance role,
   * SSO …) — the adapter itself never reads the environment.
   */
  readonly credentials?: AwsCredentials;
  /**
   * Launch specs, looked up in this order: `<pool>/<offeringId>`, `<offeringId>`, `<pool>`, `*`. A start with
   * no match is refused (InvalidRequest): EC2 needs at least an image.
   */
  readonly launch: Readonly<Record<string, AwsLaunchSpec>>;
  /** `owned` lists only instances with a `governator:pool` tag; `all` (default) lists the whole region. */
  readonly listScope?: 'all' | 'owned';
  /**
   * EC2 is eventually consistent: an instance may be missing from DescribeInstances for a while after
   * RunInstances returned it. Within this window a NotFound for an instance this adapter just started reads as
   * `pending`. Default 120 000 ms.
   */
  readonly consistencyGraceMs?: number;
  /** EC2 endpoint override (VPC endpoints, testing); default the region's public endpoint. */
  readonly endpoint?: string;
  /** Injected EC2 client (tests: aws-sdk-client-mock); otherwise one is built from region + credentials. */
  readonly client?: EC2Client;
  /** Clock for the consistency window; default Date.now. */
  readonly now?: () => number;
}

/**
 * Amazon EC2. Nodes are instances tagged `governator:pool=<pool>` (plus `governator:token`, `governator:offering`).
 * Starts use RunInstances with ClientToken = the idempotency token (hashed when longer than EC2's 64 characters),
 * so a repeated start returns the first call's instance. Stop mode `terminate` → TerminateInstances, `stop` →
 * StopInstances (EBS kept). Spot offerings launch with InstanceMarketOptions (one-time, terminate on interruption).
 */
export function createAwsProvider(options: AwsProviderOptions): CloudProvider {
  return new AwsProvider(options);
}

class AwsProvider implements CloudProvider {
  readonly kind = 'aws';
  readonly name: string;
  readonly #client: EC2Client;
  readonly #options: AwsProviderOptions;
  readonly #recent = new Map<string, { node: ProviderNode; at: number }>();

  constructor(options: AwsProviderOptions) {
    this.name = options.name;
    this.#options = options;
    this.#client = options.client ?? new EC2Client({
      region: options.region,
      ...(options.credentials === undefined ? {} : { credentials: { ...options.credentials } }),
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      // The engine retries with its own backoff and budget; SDK retries would multiply them.
      maxAttempts: 1,
    });
  }

  async listNodes(options: { signal?: AbortSignal } = {}): Promise<readonly ProviderNode[]> {
    const filters: Filter[] = this.#options.listScope === 'owned' ? [{ Name: 'tag-key', Values: [POOL_LABEL] }] : [];
    const nodes: ProviderNode[] = [];
    try {
      const pages = paginateDescribeInstances({ client: this.#client, pageSize: 1000 }, { Filters: filters });
      for await (const page of pages) {
        if (options.signal?.aborted === true) throw options.signal.reason;
        for (const reservation of page.Reservations ?? []) {
          for (const instance of reservation.Instances ?? []) nodes.push(this.#node(instance));
        }
      }
    } catch (error) {
      throw this.#error(error, 'listNodes');
    }
    return nodes;
  }

  async getNode(id: string, options: { signal?: AbortSignal } = {}): Promise<ProviderNode> {
    try {
      const output = await this.#client.send(new DescribeInstancesCommand({ InstanceIds: [id] }), { abortSignal: options.signal });
      const instance = output.Reservations?.flatMap((reservation) => reservation.Instances ?? []).find((item) => item.InstanceId === id);
      if (instance === undefined) throw providerError('NotFound', this.name, 'getNode', `instance ${id} not found`, { nodeId: id });
      this.#recent.delete(id);
      return this.#node(instance);
    } catch (error) {
      const mapped = this.#error(error, 'getNode', id);
      const recent = this.#recent.get(id);
      if (mapped.code === 'GOV_PROVIDER_NOT_FOUND' && recent !== undefined) {
        if (this.#now() - recent.at <= (this.#options.consistencyGraceMs ?? 120_000)) return recent.node;
        this.#recent.delete(id);
      }
      throw mapped;
    }
  }

  async startNode(request: StartNodeRequest): Promise<ProviderNode> {
    const { offering, pool } = request;
    if (offering.region !== this.#options.region) {
      throw providerError('InvalidRequest', this.name, 'startNode',
        `offering ${offering.id} is in ${offering.region}, this provider serves ${this.#options.region}`);
    }
    const spec = this.#options.launch[`${pool}/${offering.id}`] ?? this.#options.launch[offering.id]
      ?? this.#options.launch[pool] ?? this.#options.launch['*'];
    if (spec === undefined) {
      throw providerError('InvalidRequest', this.name, 'startNode', `no launch spec for pool ${pool} / offering ${offering.id}`);
    }
    const tags: Tag[] = Object.entries({
      ...request.labels, [POOL_LABEL]: pool, [TOKEN_LABEL]: request.idempotencyToken, [OFFERING_TAG]: offering.id,
    }).map(([Key, Value]) => ({ Key, Value }));
    const input: RunInstancesCommandInput = {
      MinCount: 1, MaxCount: 1,
      ClientToken: clientToken(request.idempotencyToken),
      InstanceType: offering.instanceType as RunInstancesCommandInput['InstanceType'],
      ...(spec.launchTemplateId !== undefined || spec.launchTemplateName !== undefined ? {
        LaunchTemplate: {
          ...(spec.launchTemplateId === undefined ? {} : { LaunchTemplateId: spec.launchTemplateId }),
          ...(spec.launchTemplateName === undefined ? {} : { LaunchTemplateName: spec.launchTemplateName }),
          Version: spec.launchTemplateVersion ?? '$Default',
        },
      } : {}),
      ...(spec.imageId === undefined ? {} : { ImageId: spec.imageId }),
      ...(spec.subnetId === undefined ? {} : { SubnetId: spec.subnetId }),
      ...(spec.securityGroupIds === undefined ? {} : { SecurityGroupIds: [...spec.securityGroupIds] }),
      ...(spec.keyName === undefined ? {} : { KeyName: spec.keyName }),
      ...(spec.iamInstanceProfileArn === undefined ? {} : { IamInstanceProfile: { Arn: spec.iamInstanceProfileArn } }),
      ...(spec.userData === undefined ? {} : { UserData: Buffer.from(spec.userData).toString('base64') }),
      ...(offering.zone === null ? {} : { Placement: { AvailabilityZone: offering.zone } }),
      ...(offering.purchase === 'spot' ? {
        InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' } },
      } : {}),
      TagSpecifications: [{ ResourceType: 'instance', Tags: tags }, { ResourceType: 'volume', Tags: tags }],
    };
    try {
      const output = await this.#client.send(new RunInstancesCommand(input), { abortSignal: request.signal });
      const instance = output.Instances?.[0];
      if (instance?.InstanceId === undefined) {
        throw providerError('Unavailable', this.name, 'startNode', 'RunInstances returned no instance');
      }
      // RunInstances' answer may not echo the tags; the node is ours by construction.
      const node = this.#node({ ...instance, Tags: instance.Tags?.length ? instance.Tags : tags });
      this.#recent.set(node.id, { node, at: this.#now() });
      return node;
    } catch (error) {
      throw this.#error(error, 'startNode');
    }
  }

  async stopNode(request: StopNodeRequest): Promise<void> {
    const { nodeId, mode } = request;
    try {
      if (mode === 'terminate') {
        // Terminating a terminated (or shutting-down) instance succeeds: idempotent by EC2 itself.
        await this.#client.send(new TerminateInstancesCommand({ InstanceIds: [nodeId] }), { abortSignal: request.signal });
      } else {
        await this.#client.send(new StopInstancesCommand({ InstanceIds: [nodeId] }), { abortSignal: request.signal });
      }
    } catch (error) {
      const mapped = this.#error(error, 'stopNode', nodeId);
      // StopInstances on a terminated / shutting-down instance: IncorrectInstanceState. It is stopped enough.
      if (mode === 'stop' && (error as { name?: string }).name === 'IncorrectInstanceState') {
        const node = await this.getNode(nodeId, request.signal === undefined ? {} : { signal: request.signal });
        if (['stopping', 'stopped', 'terminated'].includes(node.state)) return;
      }
      throw mapped;
    }
  }

  async health(): Promise<ProviderHealth> {
    const started = performance.now();
    try {
      // DryRun answers DryRunOperation when the call would have been allowed: reachability and permission at once.
      await this.#client.send(new DescribeInstancesCommand({ DryRun: true, MaxResults: 5 }));
      return { ok: true, latencyMs: performance.now() - started };
    } catch (error) {
      if ((error as { name?: string }).name === 'DryRunOperation') return { ok: true, latencyMs: performance.now() - started };
      return { ok: false, latencyMs: performance.now() - started, detail: this.#error(error, 'health').message };
    }
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }

  #node(instance: Instance): ProviderNode {
    const labels: Record<string, string> = {};
    for (const tag of instance.Tags ?? []) if (tag.Key !== undefined) labels[tag.Key] = tag.Value ?? '';
    const zone = instance.Placement?.AvailabilityZone ?? null;
    const type = instance.InstanceType ?? null;
    const purchase = instance.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand';
    return {
      id: instance.InstanceId ?? '', provider: this.name,
      offeringId: labels[OFFERING_TAG] ?? (type === null ? null : `aws:${this.#options.region}:${type}:${purchase}`),
      instanceType: type, region: this.#options.region, zone,
      pool: labels[POOL_LABEL] ?? null, state: toState(instance.State?.Name), labels,
      launchedAt: instance.LaunchTime === undefined ? null : new Date(instance.LaunchTime).toISOString(),
      idempotencyToken: labels[TOKEN_LABEL] ?? null,
      address: instance.PrivateIpAddress ?? null,
    };
  }

  #error(error: unknown, operation: string, nodeId?: string) {
    if (isGovError(error)) return error;
    const name = (error as { name?: string }).name ?? 'Error';
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const message = (error as Error).message || name;
    const kind = ec2ErrorKind(name, status);
    return providerError(kind, this.name, operation, `${name}: ${message}`, {
      providerCode: name, cause: error, ...(nodeId === undefined ? {} : { nodeId }),
    });
  }
}

/** EC2's own error codes (Amazon EC2 API reference, "Error codes") folded into the port's kinds. */
export function ec2ErrorKind(code: string, httpStatus?: number): ProviderErrorKind {
  if (/^InvalidInstanceID\.(NotFound|Malformed)$/.test(code)) return 'NotFound';
  if (['InsufficientInstanceCapacity', 'InsufficientHostCapacity', 'InsufficientReservedInstanceCapacity',
    'InsufficientCapacity', 'InsufficientFreeAddressesInSubnet', 'SpotMaxPriceTooLow', 'InsufficientCapacityOnHost'].includes(code)) return 'CapacityUnavailable';
  if (['VcpuLimitExceeded', 'InstanceLimitExceeded', 'MaxSpotInstanceCountExceeded', 'ResourceLimitExceeded',
    'VolumeLimitExceeded', 'AddressLimitExceeded', 'NetworkInterfaceLimitExceeded'].includes(code)) return 'QuotaExceeded';
  if (['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'TooManyRequestsException'].includes(code)) return 'Throttled';
  if (['UnauthorizedOperation', 'AuthFailure', 'Blocked', 'OptInRequired', 'InvalidClientTokenId', 'SignatureDoesNotMatch',
    'ExpiredToken', 'UnrecognizedClientException', 'CredentialsProviderError', 'AccessDenied', 'AccessDeniedException'].includes(code)) return 'AuthFailed';
  if (['TimeoutError', 'RequestTimeout', 'RequestTimeoutException'].includes(code)) return 'Timeout';
  if (['ServiceUnavailable', 'Unavailable', 'InternalError', 'InternalFailure'].includes(code)) return 'Unavailable';
  if (code === 'AbortError') return 'Timeout';
  if (httpStatus !== undefined && httpStatus >= 400 && httpStatus < 500) return 'InvalidRequest';
  if (/^(Invalid|Missing|Unsupported|IdempotentParameterMismatch|IncorrectInstanceState|DependencyViolation)/.test(code)) return 'InvalidRequest';
  return 'Unavailable';
}

function toState(name: string | undefined): NodeState {
  switch (name) {
    case 'pending': return 'pending';
    case 'running': return 'running';
    case 'stopping': case 'shutting-down': return 'stopping';
    case 'stopped': return 'stopped';
    case 'terminated': return 'terminated';
    default: return 'unknown';
  }
}

/** EC2 ClientToken: up to 64 ASCII characters. Longer or non-ASCII tokens are hashed (stable, so still idempotent). */
function clientToken(token: string): string {
  return token.length <= 64 && /^[\x21-\x7e]+$/.test(token) ? token : createHash('sha256').update(token).digest('hex');
}

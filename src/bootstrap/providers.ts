import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { GovError } from '../core/errors.js';
import type { Offering } from '../core/model/offering.js';
import { parseDuration } from '../config/duration.js';
import type { Config } from '../config/schema.js';
import type { Clock } from '../ports/clock.js';
import type { Scheduler } from '../ports/scheduler.js';
import type { Store } from '../ports/store.js';
import { CredentialService } from '../app/credentials/service.js';
import { ProviderMetrics } from '../app/providers/metrics.js';
import { checkSettings, ProviderRegistry, type ProviderFactory, type ProviderKind, type ProviderSpec } from '../app/providers/registry.js';
import { createSimProvider } from '../adapters/cloud/sim/index.js';
import { createLocalProvider, type LocalProviderOptions } from '../adapters/cloud/local/index.js';
import { createBaremetalProvider, type BaremetalHost } from '../adapters/cloud/baremetal/index.js';
import { createDigitalOceanProvider } from '../adapters/cloud/digitalocean/index.js';
import { createGcpProvider, type GcpServiceAccountKey } from '../adapters/cloud/gcp/index.js';
import { createAzureProvider, type AzureVmTemplate } from '../adapters/cloud/azure/index.js';
import { createAwsProvider, type AwsLaunchSpec } from '../adapters/cloud/aws/index.js';
import { createKubernetesProvider, loadKubeConfig } from '../adapters/cloud/kubernetes/index.js';
import { resolveMasterKey, type ResolvedMasterKey } from './master-key.js';

/** What the factories need besides a provider's own settings. */
export interface ProviderFactoryContext {
  readonly clock: Clock;
  /** The catalog's offerings now (the simulator can start any of them). */
  readonly offerings: () => readonly Offering[];
  /** Where adapters keep local state by default (worker records, host claims): database.data_dir. */
  readonly dataDir: string;
}

type Settings = Readonly<Record<string, unknown>>;
const str = (s: Settings, key: string): string | undefined => (typeof s[key] === 'string' ? s[key] : undefined);
const num = (s: Settings, key: string): number | undefined => (typeof s[key] === 'number' ? s[key] : undefined);
const bool = (s: Settings, key: string): boolean | undefined => (typeof s[key] === 'boolean' ? s[key] : undefined);

function needSecret(spec: ProviderSpec, secrets: Readonly<Record<string, string>>, field: string): string {
  const value = secrets[field];
  if (value === undefined) {
    throw new GovError('GOV_CONFIG_INVALID', `kind ${spec.kind} needs ${field}: put it in a stored credential (credentials = "…") or in [providers.${spec.kind}] from the environment`, { details: { provider: spec.name, field } });
  }
  return value;
}

/**
 * The factory of every provider kind this build has (each from src/adapters/cloud/<kind>/index.ts). A kind left
 * out here is answered by the registry with GOV_CONFIG_INVALID "provider kind X is not available in this build".
 * Each factory turns the kind's snake_case settings (src/config/schema.ts ProviderKindSchemas) into the
 * adapter's options.
 */
export function providerFactories(context: ProviderFactoryContext): Partial<Record<ProviderKind, ProviderFactory>> {
  return {
    aws: (spec, secrets) => {
      const s = spec.settings;
      const accessKeyId = secrets['access_key_id'];
      const secretAccessKey = secrets['secret_access_key'];
      if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
        throw new GovError('GOV_CONFIG_INVALID', `kind aws needs access_key_id and secret_access_key together (or neither, for the SDK's default credential chain)`, { details: { provider: spec.name, field: accessKeyId === undefined ? 'access_key_id' : 'secret_access_key' } });
      }
      const subnets = Array.isArray(s['subnet_ids']) ? (s['subnet_ids'] as unknown[]).map(String) : [];
      const groups = Array.isArray(s['security_group_ids']) ? (s['security_group_ids'] as unknown[]).map(String) : undefined;
      const base: AwsLaunchSpec = {
        ...(str(s, 'launch_template_version') === undefined ? {} : { launchTemplateVersion: str(s, 'launch_template_version')! }),
        ...(str(s, 'image_id') === undefined ? {} : { imageId: str(s, 'image_id')! }),
        ...(subnets[0] === undefined ? {} : { subnetId: subnets[0] }),
        ...(groups === undefined ? {} : { securityGroupIds: groups }),
        ...(str(s, 'key_name') === undefined ? {} : { keyName: str(s, 'key_name')! }),
        ...(str(s, 'instance_profile_arn') === undefined ? {} : { iamInstanceProfileArn: str(s, 'instance_profile_arn')! }),
      };
      // launch_template is the "*" entry; launch_templates adds one per pool / offering / pool+offering.
      const templates: Record<string, string> = {
        ...(str(s, 'launch_template') === undefined ? {} : { '*': str(s, 'launch_template')! }),
        ...(s['launch_templates'] as Record<string, string> | undefined),
      };
      const launch: Record<string, AwsLaunchSpec> = {};
      for (const [key, template] of Object.entries(templates)) {
        launch[key] = { ...base, ...(/^lt-[0-9a-f]{8,17}$/.test(template) ? { launchTemplateId: template } : { launchTemplateName: template }) };
      }
      if (launch['*'] === undefined && base.imageId !== undefined) launch['*'] = base;
      const listScope = str(s, 'list_scope');
      return createAwsProvider({
        name: spec.name,
        region: str(s, 'region') ?? '',
        launch,
        ...(accessKeyId === undefined || secretAccessKey === undefined ? {} : {
          credentials: { accessKeyId, secretAccessKey, ...(secrets['session_token'] === undefined ? {} : { sessionToken: secrets['session_token'] }) },
        }),
        ...(str(s, 'endpoint') === undefined ? {} : { endpoint: str(s, 'endpoint')! }),
        ...(listScope === 'all' || listScope === 'owned' ? { listScope } : {}),
      });
    },
    kubernetes: (spec, secrets) => {
      const s = spec.settings;
      let kubeConfig;
      try {
        kubeConfig = loadKubeConfig({
          ...(secrets['kubeconfig'] === undefined ? {} : { contents: secrets['kubeconfig'] }),
          ...(str(s, 'kubeconfig_file') === undefined ? {} : { file: resolve(str(s, 'kubeconfig_file')!) }),
          ...(str(s, 'context') === undefined ? {} : { context: str(s, 'context')! }),
        });
      } catch (error) {
        throw new GovError('GOV_CONFIG_INVALID', `provider ${spec.name}: ${(error as Error).message}`, { details: { provider: spec.name, field: 'kubeconfig' } });
      }
      const ms = (key: string) => (str(s, key) === undefined ? undefined : parseDuration(str(s, key)!));
      return createKubernetesProvider({
        name: spec.name,
        kubeConfig,
        machineDeployments: (s['machine_deployments'] as Record<string, string> | undefined) ?? {},
        ...(str(s, 'namespace') === undefined ? {} : { namespace: str(s, 'namespace')! }),
        ...(str(s, 'pool_label') === undefined ? {} : { poolLabel: str(s, 'pool_label')! }),
        ...(ms('drain_timeout') === undefined ? {} : { drainTimeoutMs: ms('drain_timeout')! }),
        ...(ms('eviction_retry') === undefined ? {} : { evictionRetryMs: ms('eviction_retry')! }),
        ...(ms('machine_wait') === undefined ? {} : { machineWaitMs: ms('machine_wait')! }),
      });
    },
    gcp: (spec, secrets) => {
      const s = spec.settings;
      const invalid = (field: string, message: string) => new GovError('GOV_CONFIG_INVALID', `provider ${spec.name}: ${message}`, { details: { provider: spec.name, field } });
      let credentials: GcpServiceAccountKey | undefined;
      if (secrets['service_account_json'] !== undefined) {
        // Never quote the text in the error: it holds a private key.
        let parsed: unknown;
        try { parsed = JSON.parse(secrets['service_account_json']); } catch { parsed = null; }
        const key = parsed as Partial<GcpServiceAccountKey> | null;
        if (typeof key?.client_email !== 'string' || typeof key.private_key !== 'string') {
          throw invalid('service_account_json', 'service_account_json is not a service account key (JSON with client_email and private_key)');
        }
        credentials = key as GcpServiceAccountKey;
      }
      const listScope = str(s, 'list_scope');
      return createGcpProvider({
        name: spec.name,
        project: str(s, 'project') ?? '',
        zones: Array.isArray(s['zones']) ? (s['zones'] as unknown[]).map(String) : [],
        ...(credentials === undefined ? {} : { credentials }),
        ...(str(s, 'instance_template') === undefined ? {} : { instanceTemplate: str(s, 'instance_template')! }),
        ...(str(s, 'source_image') === undefined ? {} : { sourceImage: str(s, 'source_image')! }),
        ...(num(s, 'boot_disk_size_gb') === undefined ? {} : { bootDiskSizeGb: num(s, 'boot_disk_size_gb')! }),
        ...(str(s, 'network') === undefined ? {} : { network: str(s, 'network')! }),
        ...(str(s, 'subnetwork') === undefined ? {} : { subnetwork: str(s, 'subnetwork')! }),
        ...(listScope === 'all' || listScope === 'owned' ? { listScope } : {}),
        ...(str(s, 'operation_wait') === undefined ? {} : { operationWaitMs: parseDuration(str(s, 'operation_wait')!) }),
        ...(bool(s, 'reuse_stopped') === undefined ? {} : { reuseStopped: bool(s, 'reuse_stopped')! }),
      });
    },
    azure: (spec, secrets) => {
      const s = spec.settings;
      const invalid = (field: string, message: string) => new GovError('GOV_CONFIG_INVALID', `provider ${spec.name}: ${message}`, { details: { provider: spec.name, field } });
      const principal = { tenantId: secrets['tenant_id'], clientId: secrets['client_id'], clientSecret: secrets['client_secret'] };
      const given = Object.values(principal).filter((v) => v !== undefined).length;
      if (given !== 0 && given !== 3) {
        throw invalid('client_secret', 'kind azure needs tenant_id, client_id and client_secret together (or none, for DefaultAzureCredential: managed identity, environment, Azure CLI)');
      }
      let template: AzureVmTemplate | undefined;
      const file = str(s, 'template');
      if (file !== undefined) {
        let raw: unknown;
        try { raw = JSON.parse(readFileSync(resolve(file), 'utf8')); } catch (error) {
          // The file may hold an admin password: say what is wrong, never quote it.
          throw invalid('template', `cannot read the VM template ${file}: ${(error as NodeJS.ErrnoException).code ?? 'not valid JSON'}`);
        }
        if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalid('template', `the VM template ${file} is not a JSON object`);
        // An ARM-style resource ({"properties": {…}}) is flattened into the SDK's shape.
        const { properties, ...rest } = raw as { properties?: unknown } & Record<string, unknown>;
        template = (properties !== null && typeof properties === 'object' ? { ...rest, ...properties } : rest) as AzureVmTemplate;
      }
      const listScope = str(s, 'list_scope');
      return createAzureProvider({
        name: spec.name,
        subscriptionId: str(s, 'subscription_id') ?? '',
        resourceGroup: str(s, 'resource_group') ?? '',
        location: str(s, 'location') ?? '',
        ...(template === undefined ? {} : { template }),
        ...(given === 3 ? { credentials: { tenantId: principal.tenantId!, clientId: principal.clientId!, clientSecret: principal.clientSecret! } } : {}),
        ...(listScope === 'all' || listScope === 'owned' ? { listScope } : {}),
        ...(str(s, 'operation_wait') === undefined ? {} : { operationWaitMs: parseDuration(str(s, 'operation_wait')!) }),
        ...(bool(s, 'reuse_stopped') === undefined ? {} : { reuseStopped: bool(s, 'reuse_stopped')! }),
      });
    },
    digitalocean: (spec, secrets) => {
      const s = spec.settings;
      return createDigitalOceanProvider({
        name: spec.name,
        token: needSecret(spec, secrets, 'token'),
        ...(str(s, 'region') === undefined ? {} : { region: str(s, 'region')! }),
        ...(str(s, 'image') === undefined ? {} : { image: str(s, 'image')! }),
        ...(Array.isArray(s['ssh_keys']) ? { sshKeys: (s['ssh_keys'] as unknown[]).map(String) } : {}),
        ...(str(s, 'vpc_uuid') === undefined ? {} : { vpcUuid: str(s, 'vpc_uuid')! }),
        ...(str(s, 'endpoint') === undefined ? {} : { endpoint: str(s, 'endpoint')! }),
      });
    },
    sim: (spec) => {
      const s = spec.settings;
      const quota = {
        ...(num(s, 'max_nodes') === undefined ? {} : { maxNodes: num(s, 'max_nodes')! }),
        ...(num(s, 'max_vcpus') === undefined ? {} : { maxVcpus: num(s, 'max_vcpus')! }),
        ...(num(s, 'max_gpus') === undefined ? {} : { maxGpus: num(s, 'max_gpus')! }),
      };
      return createSimProvider({
        name: spec.name,
        offerings: context.offerings(),
        clock: context.clock,
        quota,
        ...(num(s, 'seed') === undefined ? {} : { seed: num(s, 'seed')! }),
        ...(num(s, 'launch_failure_probability') === undefined ? {} : { launchFailureProbability: num(s, 'launch_failure_probability')! }),
        ...(bool(s, 'spot_interruptions') === undefined ? {} : { spot: { enabled: bool(s, 'spot_interruptions')! } }),
      });
    },
    local: (spec) => {
      const s = spec.settings;
      const readiness = str(s, 'readiness_url');
      const options: LocalProviderOptions = {
        name: spec.name,
        command: str(s, 'command') ?? '',
        stateDir: resolve(str(s, 'state_dir') ?? join(context.dataDir, 'local-provider', spec.name)),
        clock: context.clock,
        ...(str(s, 'host') === undefined ? {} : { host: str(s, 'host')! }),
        ...(num(s, 'port_from') === undefined && num(s, 'port_to') === undefined ? {} : { ports: { from: num(s, 'port_from') ?? 20_000, to: num(s, 'port_to') ?? 29_999 } }),
        ...(readiness === undefined ? {} : { readiness: { kind: 'http' as const, url: readiness } }),
        ...(str(s, 'stop_grace') === undefined ? {} : { stopGraceMs: parseDuration(str(s, 'stop_grace')!) }),
      };
      return createLocalProvider(options);
    },
    baremetal: (spec, secrets) => {
      const s = spec.settings;
      const username = needSecret(spec, secrets, 'username');
      const password = needSecret(spec, secrets, 'password');
      const hosts = (s['hosts'] as ReadonlyArray<Record<string, unknown>>).map((h): BaremetalHost => {
        const common = {
          id: String(h['id']), offeringId: String(h['offering']),
          ...(typeof h['pool'] === 'string' ? { pool: h['pool'] } : {}),
          ...(typeof h['address'] === 'string' ? { address: h['address'] } : {}),
        };
        const bmc = String(h['bmc']);
        if (h['protocol'] === 'redfish') {
          return { ...common, protocol: 'redfish', redfish: { url: bmc, username, password, ...(typeof h['system_id'] === 'string' ? { systemId: h['system_id'] } : {}) } };
        }
        const [host, port] = bmc.includes(':') ? [bmc.slice(0, bmc.lastIndexOf(':')), Number(bmc.slice(bmc.lastIndexOf(':') + 1))] : [bmc, undefined];
        return {
          ...common, protocol: 'ipmi',
          ipmi: { host, username, password, ...(port === undefined || !Number.isInteger(port) ? {} : { port }), ...(typeof h['cipher_suite'] === 'number' ? { cipherSuite: h['cipher_suite'] } : {}) },
        };
      });
      return createBaremetalProvider({
        name: spec.name,
        hosts,
        stateFile: resolve(str(s, 'state_file') ?? join(context.dataDir, `baremetal-${spec.name}.json`)),
        now: () => context.clock.now(),
        ...(str(s, 'ipmitool_path') === undefined ? {} : { ipmitoolPath: str(s, 'ipmitool_path')! }),
        ...(bool(s, 'graceful_stop') === undefined ? {} : { gracefulStop: bool(s, 'graceful_stop')! }),
        ...(bool(s, 'redfish_insecure_tls') === undefined ? {} : { redfishInsecureTls: bool(s, 'redfish_insecure_tls')! }),
      });
    },
  };
}

/** The `[[providers]]` entries as registry specs (the kind's table with its defaults; durations in ms). */
export function providerSpecsFromConfig(config: Readonly<Config>): ProviderSpec[] {
  return config.providers.map((entry, i) => {
    const kind = entry.kind;
    const table = (entry as unknown as Record<string, unknown>)[kind];
    let settings: Record<string, unknown>;
    try {
      settings = checkSettings(kind, table ?? {}, `providers[${i}].${kind}`);
    } catch (error) {
      // The loader validated the file already; this only catches a table that was left out yet has required keys.
      throw new GovError('GOV_CONFIG_INVALID', (error as Error).message, { details: (error as GovError).details, cause: error });
    }
    return {
      name: entry.name, kind, enabled: entry.enabled, credentials: entry.credentials ?? null, settings,
      healthIntervalMs: Math.max(1, parseDuration(entry.health_interval)), healthTimeoutMs: Math.max(1, parseDuration(entry.health_timeout)),
      source: 'config',
    };
  });
}

export interface ProviderServices {
  readonly credentials: CredentialService;
  readonly registry: ProviderRegistry;
  readonly metrics: ProviderMetrics;
  /** Where the master key came from; null when none is configured (external database without a key). */
  readonly masterKey: ResolvedMasterKey | null;
}

export interface ProviderServicesOptions {
  readonly config: Readonly<Config>;
  readonly store: Store;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly offerings: () => readonly Offering[];
  readonly logger?: Logger;
  /** Generate <data_dir>/master-key on the embedded database when no key exists (serve: true). */
  readonly generateKey?: boolean;
  /** Replace the factories (tests: a fake provider); default providerFactories(). */
  readonly factories?: Partial<Record<string, ProviderFactory>>;
}

/**
 * Credentials and the provider registry, wired from config: resolve (or generate) the master key, open the
 * credential store, build every configured provider and every API-registered one. Probes are NOT started:
 * call `registry.start()` (serve does), and `registry.stop()` on shutdown.
 * @throws GovError GOV_CONFIG_INVALID for a bad master key or a configured provider that cannot be built.
 */
export async function createProviderServices(options: ProviderServicesOptions): Promise<ProviderServices> {
  const { config, store, clock, scheduler, logger } = options;
  const masterKey = resolveMasterKey(config, { generate: options.generateKey ?? false, ...(logger ? { logger } : {}) });
  const credentials = new CredentialService({ repository: store.credentials.secrets, clock, key: masterKey?.key ?? null });
  const metrics = new ProviderMetrics();
  const registry = new ProviderRegistry({
    factories: options.factories ?? providerFactories({ clock, offerings: options.offerings, dataDir: resolve(config.database.data_dir) }),
    credentials,
    repository: store.credentials.providers,
    clock,
    scheduler,
    metrics,
    onHealthChange: (event) => {
      if (event.reachable) logger?.info({ provider: event.provider, kind: event.kind }, 'provider reachable');
      else logger?.warn({ provider: event.provider, kind: event.kind, detail: event.detail }, 'provider unreachable');
    },
  });
  const { skipped } = await registry.load(providerSpecsFromConfig(config));
  for (const name of skipped) logger?.warn({ provider: name }, 'a provider registered through the API has the name of a configured one: the configured one is used');
  for (const view of registry.list()) {
    if (view.health.status === 'unavailable') logger?.warn({ provider: view.name, kind: view.kind, error: view.error }, 'a provider registered through the API cannot be built; it is listed as unavailable');
  }
  return { credentials, registry, metrics, masterKey };
}

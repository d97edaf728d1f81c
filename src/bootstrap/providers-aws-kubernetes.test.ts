/**
 * The provider registry builds `aws` and `kubernetes` providers from a real governator.toml (issue #7): settings
 * through the config loader, secrets from a stored (encrypted) credential or from ${ENV} in the file. Nothing
 * here reaches a network: EC2 calls stop at aws-sdk-client-mock, and building a Kubernetes provider only loads
 * its kubeconfig.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Offering } from '../core/model/offering.js';
import { govRejection, registryHarness, type RegistryHarness, type StoredCredential } from '../../test/support/provider-registry.js';

const ec2 = mockClient(EC2Client);
let harness: RegistryHarness;
let dir: string;
beforeAll(async () => {
  harness = await registryHarness({ prefix: 'gov-providers-', credentials: CREDENTIALS, offerings: [spot, onDemand] });
  dir = harness.dir;
});
afterAll(async () => harness.close());
beforeEach(() => { ec2.reset(); });

const KUBECONFIG = [
  'apiVersion: v1', 'kind: Config', 'current-context: admin@prod',
  'clusters:', '- name: prod', '  cluster:', '    server: https://10.0.0.1:6443', '    insecure-skip-tls-verify: true',
  '- name: staging', '  cluster:', '    server: https://10.1.0.1:6443', '    insecure-skip-tls-verify: true',
  'users:', '- name: governator', '  user:', '    token: kube-token-do-not-print',
  'contexts:', '- name: admin@prod', '  context:', '    cluster: prod', '    user: governator',
  '- name: governator@staging', '  context:', '    cluster: staging', '    user: governator',
].join('\n');

const spot: Offering = {
  id: 'aws:us-east-1:p5.48xlarge:spot', provider: 'aws', region: 'us-east-1', zone: 'us-east-1a', instanceType: 'p5.48xlarge',
  vcpus: 192, memoryGiB: 2048, gpu: { model: 'H100', count: 8 }, purchase: 'spot', term: null, pricePerHour: 36.1, available: null, source: 'bundled', asOf: null,
};
const onDemand: Offering = { ...spot, id: 'aws:us-east-1:m5.xlarge:on-demand', instanceType: 'm5.xlarge', vcpus: 4, memoryGiB: 16, gpu: null, purchase: 'on-demand', pricePerHour: 0.192 };

const registryFor = (toml: string, env: Record<string, string> = {}) => harness.registryFor(toml, env);
const rejection = govRejection;

const CREDENTIALS: StoredCredential[] = [
  { name: 'aws-prod', provider: 'aws', values: { access_key_id: 'AKIAIOSFODNN7EXAMPLE', secret_access_key: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } },
  { name: 'k8s-prod', provider: 'kubernetes', values: { kubeconfig: KUBECONFIG } },
];

describe('provider registry: aws', () => {
  it('builds an aws provider from config and a stored credential: region, launch template per offering, spot market options', async () => {
    const registry = await registryFor(`
[[providers]]
name = "aws-prod"
kind = "aws"
credentials = "aws-prod"
[providers.aws]
region = "us-east-1"
launch_template = "lt-0123456789abcdef0"
launch_templates = { "aws:us-east-1:p5.48xlarge:spot" = "gpu-spot-nodes" }
subnet_ids = ["subnet-0aa11bb22cc33dd44"]
`);
    const view = registry.view('aws-prod');
    expect(view).toMatchObject({ kind: 'aws', source: 'config', error: null, credentials: 'aws-prod' });
    const aws = registry.byName('aws-prod')!;
    expect(aws.kind).toBe('aws');

    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0abc123def4567890', InstanceType: 'p5.48xlarge', State: { Code: 0, Name: 'pending' } }] });
    await aws.startNode({ pool: 'llm', offering: spot, idempotencyToken: 'gov-1-a' });
    await aws.startNode({ pool: 'web', offering: onDemand, idempotencyToken: 'gov-1-b' });
    const [first, second] = ec2.commandCalls(RunInstancesCommand).map((c) => c.args[0].input);
    expect(first).toMatchObject({
      ClientToken: 'gov-1-a', InstanceType: 'p5.48xlarge', SubnetId: 'subnet-0aa11bb22cc33dd44',
      LaunchTemplate: { LaunchTemplateName: 'gpu-spot-nodes', Version: '$Default' },
      InstanceMarketOptions: { MarketType: 'spot' },
    });
    expect(second).toMatchObject({ LaunchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0' } });
    expect(second!.InstanceMarketOptions).toBeUndefined();
    // The client was built for the region with the stored credential.
    const client = ec2.commandCalls(RunInstancesCommand)[0]!.thisValue as EC2Client;
    expect(await client.config.region()).toBe('us-east-1');
    expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE' });
  });

  it('takes secrets from ${ENV} in the file, and refuses half a key pair', async () => {
    const registry = await registryFor(`
[[providers]]
name = "aws-env"
kind = "aws"
[providers.aws]
region = "eu-west-1"
image_id = "ami-0c02fb55956c7d316"
access_key_id = "\${AWS_KEY}"
secret_access_key = "\${AWS_SECRET}"
`, { AWS_KEY: 'AKIAEXAMPLEFROMENV00', AWS_SECRET: 'secret-from-env' });
    const aws = registry.byName('aws-env')!;
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-1', State: { Name: 'pending' } }] });
    await aws.startNode({ pool: 'web', offering: { ...onDemand, id: 'aws:eu-west-1:m5.xlarge:on-demand', region: 'eu-west-1' }, idempotencyToken: 't' });
    const call = ec2.commandCalls(RunInstancesCommand)[0]!;
    expect(call.args[0].input).toMatchObject({ ImageId: 'ami-0c02fb55956c7d316' });
    expect(await (call.thisValue as EC2Client).config.credentials()).toMatchObject({ accessKeyId: 'AKIAEXAMPLEFROMENV00' });

    const error = await rejection(registryFor(`
[[providers]]
name = "aws-half"
kind = "aws"
[providers.aws]
region = "eu-west-1"
access_key_id = "\${AWS_KEY}"
`, { AWS_KEY: 'AKIAEXAMPLEFROMENV00' }));
    expect(error.code).toBe('GOV_CONFIG_INVALID');
    expect(error.message).toMatch(/access_key_id and secret_access_key together/);
    expect(error.message).not.toContain('AKIAEXAMPLEFROMENV00');
  });
});

describe('provider registry: kubernetes', () => {
  it('builds a kubernetes provider from a kubeconfig file and context, or from a stored kubeconfig', async () => {
    const file = join(dir, 'kubeconfig');
    writeFileSync(file, KUBECONFIG);
    const registry = await registryFor(`
[[providers]]
name = "k8s-staging"
kind = "kubernetes"
[providers.kubernetes]
kubeconfig_file = "${file}"
context = "governator@staging"
namespace = "capi-clusters"
machine_deployments = { "llm" = "staging-gpu", "*" = "staging-general" }
drain_timeout = "5m"

[[providers]]
name = "k8s-prod"
kind = "kubernetes"
credentials = "k8s-prod"
[providers.kubernetes]
machine_deployments = { "*" = "prod-general" }
`);
    expect(registry.view('k8s-staging')).toMatchObject({ kind: 'kubernetes', error: null });
    expect(registry.byName('k8s-staging')!.kind).toBe('kubernetes');
    expect(registry.byName('k8s-prod')!.kind).toBe('kubernetes');
    // The stored kubeconfig is a secret: masked in the view.
    expect(JSON.stringify(registry.view('k8s-prod'))).not.toContain('kube-token-do-not-print');
  });

  it('refuses a missing context or an unreadable kubeconfig without quoting it', async () => {
    const file = join(dir, 'kubeconfig-2');
    writeFileSync(file, KUBECONFIG);
    const missing = await rejection(registryFor(`
[[providers]]
name = "k8s"
kind = "kubernetes"
[providers.kubernetes]
kubeconfig_file = "${file}"
context = "nope"
`));
    expect(missing.code).toBe('GOV_CONFIG_INVALID');
    expect(missing.message).toMatch(/no context "nope"/);
    const garbage = await rejection(registryFor(`
[[providers]]
name = "k8s"
kind = "kubernetes"
[providers.kubernetes]
kubeconfig = "users: [ {token: kube-token-do-not-print"
`));
    expect(garbage.code).toBe('GOV_CONFIG_INVALID');
    expect(garbage.message).not.toContain('kube-token-do-not-print');
  });
});

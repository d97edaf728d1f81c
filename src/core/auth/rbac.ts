/**
 * Role-based access control, pure. A role is a name and a list of permissions; a permission is
 * `resource:verb` (`nodes:read`), a resource wildcard (`nodes:*`) or everything (`*`).
 */

/** Every permission a route can require. Routes name one of these (see src/server/routes). */
export const PERMISSIONS = [
  'nodes:read',
  'nodes:scale',
  'metrics:read',
  'metrics:write',
  'cost:read',
  'keys:read',
  'keys:write',
  'audit:read',
  'providers:read',
  'providers:write',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export interface RoleDefinition {
  readonly name: string;
  readonly permissions: readonly string[];
}

/**
 * The built-in roles, from the original specification's `[[rbac.roles]]` example. One deliberate change:
 * `viewer` also gets `nodes:read`, because a read-only user who cannot see the fleet has nothing to view.
 * One addition: `ingest`, for telemetry senders (issue #5).
 * Config may redefine any role or add new ones (`[[rbac.roles]]`).
 */
export const DEFAULT_ROLES: readonly RoleDefinition[] = [
  { name: 'admin', permissions: ['*'] },
  // operator also sees providers and their health (issue #7): who scales nodes needs to know where they can run.
  { name: 'operator', permissions: ['nodes:read', 'nodes:scale', 'metrics:read', 'cost:read', 'providers:read'] },
  { name: 'viewer', permissions: ['nodes:read', 'metrics:read', 'cost:read'] },
  // For telemetry senders (Prometheus remote_write, agents): they may push samples and nothing else, so a key
  // stored in a Prometheus config file cannot read the fleet or change anything (docs/telemetry.md).
  { name: 'ingest', permissions: ['metrics:write'] },
];

const GRANT_PATTERN = /^(\*|[a-z][a-z0-9_-]*:(\*|[a-z][a-z0-9_-]*))$/;

/** True when `grant` is a well-formed permission or wildcard. */
export function isValidGrant(grant: string): boolean {
  return GRANT_PATTERN.test(grant);
}

/** True when any of `grants` covers `required`. */
export function grantsPermission(grants: readonly string[], required: string): boolean {
  const [resource] = required.split(':');
  return grants.some((g) => g === '*' || g === required || g === `${resource}:*`);
}

/** Merge configured roles over the defaults: a configured role replaces the default of the same name. */
export function resolveRoles(configured: readonly RoleDefinition[]): ReadonlyMap<string, readonly string[]> {
  const roles = new Map<string, readonly string[]>();
  for (const role of DEFAULT_ROLES) roles.set(role.name, role.permissions);
  for (const role of configured) roles.set(role.name, role.permissions);
  return roles;
}

import { configLeaves } from './keys.js';
import { closest } from './suggest.js';

/**
 * "Did you mean …?" for an unknown dotted key: the closest of `candidates` within two edits
 * (`server.prot` → `server.port`), else a known key with the same last name in another section
 * (`server.data_dir` → `database.data_dir`). Undefined when nothing is close.
 */
export function suggestKey(unknown: string, candidates: readonly string[]): string | undefined {
  const near = closest(unknown, candidates);
  if (near !== undefined) return near;
  const name = unknown.slice(unknown.lastIndexOf('.') + 1);
  return configLeaves().find((leaf) => leaf.path[leaf.path.length - 1] === name && leaf.key !== unknown)?.key;
}

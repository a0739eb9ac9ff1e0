/** The wire protocol's major version. Within one major version changes are additive only. */
export const PROTOCOL_VERSION = 1;

/** True when a peer speaking `version` can talk to this build. */
export function isCompatibleVersion(version: number): boolean {
  return version === PROTOCOL_VERSION;
}

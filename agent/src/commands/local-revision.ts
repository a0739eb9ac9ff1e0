/**
 * Turns `local`/`preflight` options into the deployment a coordinator would have sent: a
 * CodeDeploy-style local deployment id, the group, and a revision whose sha256 is taken now and
 * verified again at DownloadBundle (so a bundle changed mid-run is refused).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { newId } from '../../../common/src/ids.ts';
import { DeckhandError, type CommandBody, type DeploySpec, type RevisionLocation } from '../../../protocol/src/index.ts';
import { saveBundle } from '../bundle/sources.ts';
import { sha256File, sha256Tree } from '../bundle/verify.ts';
import type { LocalCommand } from '../config/local-args.ts';

/** CodeDeploy's deployment group id of local runs (the folder name under the root). */
export const LOCAL_GROUP_ID = 'default-local-deployment-group';

/** The parsed `--bundle-location`: s3://bucket/key[?versionId=&etag=], http(s) URL, or a path. */
export function parseLocation(location: string, s3Endpoint?: string): RevisionLocation {
  if (location.startsWith('s3://')) {
    const url = new URL(location);
    const key = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (url.hostname === '' || key === '') {
      throw new DeckhandError('VALIDATION_FAILED', `s3 location ${location} is not of the form s3://bucket/key`);
    }
    const versionId = url.searchParams.get('versionId') ?? undefined;
    const etag = url.searchParams.get('etag') ?? undefined;
    return {
      kind: 's3',
      bucket: url.hostname,
      key,
      ...(versionId === undefined ? {} : { versionId }),
      ...(etag === undefined ? {} : { etag }),
      ...(s3Endpoint === undefined ? {} : { endpoint: s3Endpoint }),
    };
  }
  if (/^https?:\/\//i.test(location)) return { kind: 'url', url: location };
  return { kind: 'local', path: path.resolve(location.replace(/^file:(\/\/)?/, '')) };
}

/** A local run's deployment id: `d-` and 9 upper-case letters and digits, then `-local`. */
export function localDeploymentId(): string {
  return `${newId('d', 9)}-local`;
}

/**
 * Makes the local file or directory the revision, fetching a remote one into `<root>/downloads`
 * first (codedeploy-local has no expected hash for those either).
 * @throws DeckhandError VALIDATION_FAILED naming what is wrong with the location or type.
 */
export async function resolveLocalRevision(cmd: LocalCommand, deploymentId: string): Promise<DeploySpec['revision']> {
  let location = parseLocation(cmd.bundleLocation, cmd.s3Endpoint);
  if (location.kind !== 'local') {
    if (cmd.type === 'directory') throw invalid(`--type directory needs a local path, not ${cmd.bundleLocation}`);
    const file = path.join(cmd.root, 'downloads', `${deploymentId}.${cmd.type}`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await saveBundle(location, file, {});
    location = { kind: 'local', path: file };
  }
  const stat = await fs.stat(location.path).catch(() => undefined);
  if (stat === undefined) throw invalid(`bundle location ${location.path} does not exist`);
  if (cmd.type === 'directory' && !stat.isDirectory()) throw invalid(`bundle location ${location.path} is a file, but --type is directory`);
  if (cmd.type !== 'directory' && !stat.isFile()) throw invalid(`bundle location ${location.path} is a directory, but --type is ${cmd.type}`);
  const sha256 = cmd.type === 'directory' ? await sha256Tree(location.path) : await sha256File(location.path);
  return { revisionId: 'rev-LOCAL0', sha256, bundleType: cmd.type, size: stat.isFile() ? stat.size : 0, location };
}

/** The command a coordinator would have sent for this local run. */
export function localCommandBody(cmd: LocalCommand, deploymentId: string, revision: DeploySpec['revision']): CommandBody {
  return {
    commandId: newId('cmd'),
    deploymentId,
    epoch: 0,
    kind: 'deploy',
    deploy: {
      deploymentId,
      applicationName: cmd.applicationName ?? path.basename(cmd.bundleLocation),
      deploymentGroupName: cmd.deploymentGroupName,
      deploymentGroupId: LOCAL_GROUP_ID,
      revision,
      fileExistsBehavior: cmd.fileExistsBehavior,
      ignoreApplicationStopFailures: false,
      parameters: {},
    },
  };
}

function invalid(message: string): DeckhandError {
  return new DeckhandError('VALIDATION_FAILED', message);
}

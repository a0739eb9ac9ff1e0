/**
 * Turns `local`/`preflight` options into the deployment a coordinator would have sent: a
 * CodeDeploy-style local deployment id, the group, and a revision whose sha256 is taken now and
 * verified again at DownloadBundle (so a bundle changed mid-run is refused).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { newId } from '../../../common/src/ids.ts';
import { DeckhandError } from '../../../protocol/src/errors.ts';
import type { CommandBody } from '../../../protocol/src/messages.ts';
import type { DeploySpec, RevisionLocation } from '../../../protocol/src/schemas.ts';
import { findAppSpec } from '../appspec/load.ts';
import { saveBundle } from '../bundle/sources.ts';
import { sha256File, sha256Tree } from '../bundle/verify.ts';
import type { LocalCommand } from '../config/local-args.ts';

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
  if (cmd.type === 'directory') await expectAppSpec(location.path, cmd.appSpecFileName);
  const sha256 = cmd.type === 'directory' ? await sha256Tree(location.path) : await sha256File(location.path);
  return { revisionId: 'rev-LOCAL0', sha256, bundleType: cmd.type, size: stat.isFile() ? stat.size : 0, location };
}

/** As codedeploy-local: a directory revision without its appspec is refused before anything runs. */
async function expectAppSpec(dir: string, fileName: string | undefined): Promise<void> {
  if ((await findAppSpec(dir, fileName)) !== undefined) return;
  const names = fileName === undefined ? `${path.join(dir, 'appspec.yml')} or ${path.join(dir, 'appspec.yaml')}` : path.join(dir, fileName);
  throw invalid(`Expecting appspec file at location ${names} but it is not found there. Run from within a directory containing it, or give a --bundle-location holding it at its root.`);
}

/**
 * The command a coordinator would have sent for this local run. As codedeploy-local: the
 * application name defaults to the bundle location as given, and the traffic hooks run.
 */
export function localCommandBody(cmd: LocalCommand, deploymentId: string, revision: DeploySpec['revision']): CommandBody {
  return {
    commandId: newId('cmd'),
    deploymentId,
    epoch: 0,
    kind: 'deploy',
    deploy: {
      deploymentId,
      applicationName: cmd.applicationName ?? cmd.bundleLocation,
      deploymentGroupName: cmd.deploymentGroupName,
      deploymentGroupId: cmd.deploymentGroupId,
      revision,
      fileExistsBehavior: cmd.fileExistsBehavior,
      ignoreApplicationStopFailures: false,
      parameters: {},
      trafficHooks: true,
    },
  };
}

function invalid(message: string): DeckhandError {
  return new DeckhandError('VALIDATION_FAILED', message);
}

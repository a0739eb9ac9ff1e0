/**
 * Deployment configurations: the three built-ins plus custom minimumHealthyHosts ones.
 */
import type { FastifyInstance } from 'fastify';
import { canonicalConfigName, CreateDeploymentConfigRequest, type DeploymentConfigView } from '../../../../protocol/src/index.ts';
import { listConfigViews, ruleFor } from '../../scheduler/configs.ts';
import type { Repositories } from '../../store/store.ts';
import type { ApiDeps } from '../deps.ts';
import { FieldError } from '../errors.ts';
import { assertAnalysisKnown } from '../health-refs.ts';
import { parseInput } from '../validate.ts';

/** Throws a 400 naming deploymentConfigName unless `name` is a built-in or stored configuration. */
export async function assertKnownConfig(store: Repositories, name: string): Promise<void> {
  if (await ruleFor(store, name)) return;
  const known = (await listConfigViews(store)).map((c) => c.name);
  throw new FieldError(
    'VALIDATION_FAILED',
    'deploymentConfigName',
    `deploymentConfigName: unknown deployment configuration ${canonicalConfigName(name)} (known: ${known.join(', ')})`,
  );
}

/** Registers the deployment-configuration routes. */
export function configRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store, clock } = deps;

  app.post('/v1/deployment-configs', async (request, reply) => {
    const body = parseInput(CreateDeploymentConfigRequest, request.body);
    if (canonicalConfigName(body.name) !== body.name) {
      throw new FieldError('VALIDATION_FAILED', 'name', `name: ${body.name} is the short name of a built-in configuration`);
    }
    const { name, minimumHealthyHosts, ...rollout } = body;
    await assertAnalysisKnown(store, rollout.analysis);
    const row = await store.configs.insert({
      name,
      // Without a minimum, the batch or segment boundaries alone pace the rollout.
      minimumHealthyHosts: minimumHealthyHosts ?? { type: 'HOST_COUNT', value: 0 },
      rollout,
      createdAt: clock.now().toISOString(),
    });
    const view: DeploymentConfigView = {
      name: row.name,
      builtIn: false,
      minimumHealthyHosts: row.minimumHealthyHosts,
      createTime: row.createdAt,
      ...row.rollout,
    };
    return reply.code(201).send(view);
  });

  app.get('/v1/deployment-configs', async () => ({ deploymentConfigs: await listConfigViews(store) }));
}

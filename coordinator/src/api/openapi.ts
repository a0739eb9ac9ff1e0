/**
 * GET /v1/openapi.json: an OpenAPI 3.1 document of every route the API registers, built from
 * the protocol's zod schemas (zod 4 `z.toJSONSchema`, JSON Schema 2020-12 as OpenAPI 3.1 uses).
 * Routes are collected as fastify registers them, so the document lists what really exists.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PROTOCOL_VERSION } from '../../../protocol/src/index.ts';
import { ApiErrorBody } from '../../../protocol/src/index.ts';
import { ROUTE_DOCS, type RouteDoc } from './openapi-routes.ts';
import { policyOf } from './route-policies.ts';

/** A route as fastify registered it. */
export interface RegisteredRoute {
  method: string;
  url: string;
}

type Json = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

function toOpenApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function jsonContent(schema: z.ZodType, io: 'input' | 'output'): Json {
  return { 'application/json': { schema: schemaOf(schema, io) } };
}

function operation(route: RegisteredRoute, doc: RouteDoc): Json {
  const params = [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  const query = doc.query ? Object.entries((schemaOf(doc.query, 'input')['properties'] ?? {}) as Json).map(([name, schema]) => ({ name, in: 'query', schema })) : [];
  const success = doc.response
    ? { description: doc.summary, content: jsonContent(doc.response, 'output') }
    : { description: doc.summary, ...(doc.produces ? { content: { [doc.produces]: { schema: { type: 'string' } } } } : {}) };
  const op: Json = {
    summary: doc.summary,
    operationId: `${route.method.toLowerCase()}${toOpenApiPath(route.url).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    parameters: [...params, ...query],
    responses: { [String(doc.status ?? 200)]: success, default: { description: 'An error', content: jsonContent(ApiErrorBody, 'output') } },
  };
  if (doc.body) op['requestBody'] = { required: true, content: jsonContent(doc.body, 'input') };
  if (doc.rawBody) op['requestBody'] = { required: true, content: { [doc.rawBody]: { schema: { type: 'string', format: 'binary' } } } };
  const policy = policyOf(route.method, route.url);
  if (policy?.access === 'public') op['security'] = [];
  else if (policy) op['x-deckhand-permission'] = policy.agents ? `${policy.access} (or a signed agent request)` : policy.access;
  return op;
}

/** The OpenAPI document of `routes`; routes without a ROUTE_DOCS entry are left out. */
export function buildOpenApi(routes: readonly RegisteredRoute[]): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const doc = ROUTE_DOCS[`${route.method} ${route.url}`];
    if (!doc) continue;
    const path = toOpenApiPath(route.url);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route, doc) };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Deckhand coordinator API', version: `v1 (protocol ${PROTOCOL_VERSION})` },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}

/**
 * Collects every route registered after this call (HEAD twins of GET routes are left out) and
 * serves the document. Call it before registering the other routes.
 */
export function openApiRoutes(app: FastifyInstance): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of Array.isArray(r.method) ? r.method : [r.method]) {
      if (method !== 'HEAD') routes.push({ method, url: r.url });
    }
  });
  let document: Json | undefined;
  app.get('/v1/openapi.json', async () => (document ??= buildOpenApi(routes)));
  return routes;
}

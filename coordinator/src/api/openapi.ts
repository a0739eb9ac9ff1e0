/**
 * GET /v1/openapi.json: an OpenAPI 3.1 document of every route the API registers, built from
 * the protocol's zod schemas (zod 4 `z.toJSONSchema`, JSON Schema 2020-12 as OpenAPI 3.1 uses).
 * Routes are collected as fastify registers them, so the document lists what really exists.
 * Every schema the protocol exports by name becomes a component (`#/components/schemas/Name`),
 * referenced wherever it appears; a request schema whose input shape differs from its output
 * (defaults make fields optional) is `NameInput`.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import * as protocol from '../../../protocol/src/index.ts';
import { ApiErrorBody, PROTOCOL_VERSION } from '../../../protocol/src/index.ts';
import { OPERATION_IDS, ROUTE_DOCS, type RouteDoc } from './openapi-routes.ts';
import { policyOf } from './route-policies.ts';

/** A route as fastify registered it. */
export interface RegisteredRoute {
  method: string;
  url: string;
}

type Json = Record<string, unknown>;

const REF = '#/components/schemas/';

/** The protocol's named object schemas, by name. */
function namedSchemas(): Map<z.core.$ZodType, string> {
  const names = new Map<z.core.$ZodType, string>();
  for (const [name, value] of Object.entries(protocol)) {
    if (value instanceof z.core.$ZodObject && /^[A-Z]/.test(name) && !names.has(value)) names.set(value, name);
  }
  return names;
}

/** Every named schema as JSON Schema with cross references, for one direction. */
function components(names: Map<z.core.$ZodType, string>, io: 'input' | 'output'): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of names) registry.add(schema, { id });
  const out = z.toJSONSchema(registry, { io, unrepresentable: 'any', uri: (id) => `${REF}${id}` }) as { schemas: Record<string, Json> };
  const clean: Record<string, Json> = {};
  for (const [id, schema] of Object.entries(out.schemas)) {
    const { $schema: _d, $id: _i, ...rest } = schema;
    clean[id] = rest;
  }
  return clean;
}

/** Output components as they are; input ones that differ renamed `NameInput` (and references to them). */
function mergeComponents(names: Map<z.core.$ZodType, string>): { schemas: Record<string, Json>; inputName: (id: string) => string } {
  const output = components(names, 'output');
  const input = components(names, 'input');
  const renamed = new Set(Object.keys(input).filter((id) => JSON.stringify(input[id]) !== JSON.stringify(output[id])));
  const inputName = (id: string): string => (renamed.has(id) ? `${id}Input` : id);
  const schemas: Record<string, Json> = { ...output };
  for (const id of renamed) {
    const text = JSON.stringify(input[id]).replace(/"#\/components\/schemas\/([A-Za-z0-9]+)"/g, (_m, ref: string) => `"${REF}${inputName(ref)}"`);
    schemas[inputName(id)] = JSON.parse(text) as Json;
  }
  return { schemas, inputName };
}

interface Context {
  names: Map<z.core.$ZodType, string>;
  inputName: (id: string) => string;
}

function schemaOf(ctx: Context, schema: z.core.$ZodType, io: 'input' | 'output'): Json {
  const name = ctx.names.get(schema);
  if (name !== undefined) return { $ref: `${REF}${io === 'input' ? ctx.inputName(name) : name}` };
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

function toOpenApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function fallbackOperationId(route: RegisteredRoute): string {
  return `${route.method.toLowerCase()}${toOpenApiPath(route.url).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`;
}

function operation(ctx: Context, route: RegisteredRoute, doc: RouteDoc): Json {
  const params = [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  const querySchema = doc.query ? (z.toJSONSchema(doc.query, { io: 'input', unrepresentable: 'any' }) as Json) : {};
  const query = Object.entries((querySchema['properties'] ?? {}) as Json).map(([name, schema]) => ({ name, in: 'query', schema }));
  const json = (schema: z.core.$ZodType, io: 'input' | 'output'): Json => ({ 'application/json': { schema: schemaOf(ctx, schema, io) } });
  const success = doc.response
    ? { description: doc.summary, content: json(doc.response, 'output') }
    : { description: doc.summary, ...(doc.produces ? { content: { [doc.produces]: { schema: { type: 'string' } } } } : {}) };
  const op: Json = {
    summary: doc.summary,
    operationId: OPERATION_IDS[`${route.method} ${route.url}`] ?? fallbackOperationId(route),
    parameters: [...params, ...query],
    responses: { [String(doc.status ?? 200)]: success, default: { description: 'An error', content: json(ApiErrorBody, 'output') } },
  };
  if (doc.body) op['requestBody'] = { required: true, content: json(doc.body, 'input') };
  if (doc.rawBody) op['requestBody'] = { required: true, content: { [doc.rawBody]: { schema: { type: 'string', format: 'binary' } } } };
  const policy = policyOf(route.method, route.url);
  if (policy?.access === 'public') op['security'] = [];
  else if (policy) op['x-deckhand-permission'] = policy.agents ? `${policy.access} (or a signed agent request)` : policy.access;
  return op;
}

/** Keeps only the components the paths reach (directly or through other components). */
function reachable(paths: Json, schemas: Record<string, Json>): Record<string, Json> {
  const seen = new Set<string>();
  const visit = (value: unknown): void => {
    const text = JSON.stringify(value);
    for (const m of text.matchAll(/"#\/components\/schemas\/([A-Za-z0-9]+)"/g)) {
      const id = m[1] as string;
      if (seen.has(id) || schemas[id] === undefined) continue;
      seen.add(id);
      visit(schemas[id]);
    }
  };
  visit(paths);
  return Object.fromEntries([...seen].sort().map((id) => [id, schemas[id] as Json]));
}

/** The OpenAPI document of `routes`; routes without a ROUTE_DOCS entry are left out. */
export function buildOpenApi(routes: readonly RegisteredRoute[]): Json {
  const names = namedSchemas();
  const { schemas, inputName } = mergeComponents(names);
  const ctx: Context = { names, inputName };
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const doc = ROUTE_DOCS[`${route.method} ${route.url}`];
    if (!doc) continue;
    const path = toOpenApiPath(route.url);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(ctx, route, doc) };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Deckhand coordinator API', version: `v1 (protocol ${PROTOCOL_VERSION})` },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas: reachable(paths, schemas) },
    security: [{ bearer: [] }],
    paths,
  };
}

/**
 * Collects every route registered after this call (HEAD twins of GET routes and routes whose
 * schema says `hide`, such as the /docs page's assets, are left out) and serves the document,
 * readable without a token. Call it before registering the other routes.
 */
export function openApiRoutes(app: FastifyInstance): { routes: RegisteredRoute[]; document: () => Json } {
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (r) => {
    if ((r.schema as { hide?: boolean } | undefined)?.hide === true || r.url.startsWith('/docs')) return;
    for (const method of Array.isArray(r.method) ? r.method : [r.method]) {
      if (method !== 'HEAD') routes.push({ method, url: r.url });
    }
  });
  let built: Json | undefined;
  const document = (): Json => (built ??= buildOpenApi(routes));
  app.get('/v1/openapi.json', async () => document());
  return { routes, document };
}

// How every /v1 route is written: one spec (path, the zod schemas that validate the query or
// body, the response schema) that both mounts the handler and documents it, so the OpenAPI
// document cannot describe a different schema than the one a request is validated with.
// Handlers are plain async functions: Express 5 forwards a rejection to the error handler.
import type { Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import { UnsupportedMediaTypeError } from '../../shared/errors.js';
import { parseQuery } from './params.js';

const NO_QUERY = z.object({}).strict();

/** Marks a mounted handler with the spec it was built from (the route/OpenAPI test reads it). */
export const ROUTE_SPEC = Symbol('llm-finops.route-spec');

export interface SuccessAnswer<R extends z.ZodType> {
  status?: 200 | 202;
  description: string;
  /** The JSON body; in tests (checkResponses) every answer is checked against it. */
  schema: R;
  /** A body that is not JSON (a CSV export): documented, written by the handler itself. */
  contentTypes?: readonly string[];
}

export interface RouteSpec<
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  method: 'get' | 'post';
  path: string;
  summary: string;
  /** Validates `req.query` and is the documented parameter list. */
  query?: Q;
  /** Validates the JSON body and is the documented request body. */
  body?: B;
  ok: SuccessAnswer<R>;
  /** Answers besides 400/401/403/429/500, which every /v1 route can give. */
  also?: Partial<Record<304 | 404 | 503, string>>;
  /** Re-use the parsed query of an identical query string (the routing feed's hot path). */
  memoizeQuery?: boolean;
}

export interface RouteInput<Q extends z.ZodType, B extends z.ZodType> {
  query: z.output<Q>;
  body: z.output<B>;
  req: Request;
  res: Response;
}

/** The JSON answer, or undefined when the handler wrote the response itself. */
export type RouteHandler<Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType> = (
  input: RouteInput<Q, B>,
) => Promise<z.input<R> | undefined> | z.input<R> | undefined;

export interface RouteOptions {
  /** Check every JSON answer against its documented schema (tests): a mismatch is a 500. */
  checkResponses?: boolean;
}

/** The routes of one app; `document()` in openapi.ts renders exactly these. */
export class ApiRoutes {
  readonly specs: RouteSpec[] = [];

  constructor(private readonly options: RouteOptions = {}) {}

  add<Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(
    router: Router,
    spec: RouteSpec<Q, B, R>,
    handler: RouteHandler<Q, B, R>,
  ): void {
    // A route without parameters still refuses unknown ones (a typo must not be ignored).
    if (spec.query === undefined) spec = { ...spec, query: NO_QUERY as unknown as Q };
    this.specs.push(spec as unknown as RouteSpec);
    const readQuery = queryReader(spec);
    const check = this.options.checkResponses === true;
    const handle: RequestHandler = async (req, res) => {
      if (spec.body !== undefined) requireJson(spec, req);
      const query = readQuery(req) as z.output<Q>;
      const body = (
        spec.body !== undefined ? parseBody(spec.body, req.body) : undefined
      ) as z.output<B>;
      const answer = await handler({ query, body, req, res });
      if (answer === undefined || res.headersSent) return;
      if (check) checkAnswer(spec, answer);
      res.status(spec.ok.status ?? 200).json(answer);
    };
    Object.defineProperty(handle, ROUTE_SPEC, { value: spec });
    router[spec.method](spec.path, handle);
  }
}

function queryReader(spec: RouteSpec): (req: Request) => unknown {
  const schema = spec.query as z.ZodType;
  if (spec.memoizeQuery !== true) return (req) => parseQuery(schema, req.query);
  const parsed = new Map<string, unknown>();
  return (req) => {
    const i = req.url.indexOf('?');
    const key = i === -1 ? '' : req.url.slice(i);
    let q = parsed.get(key);
    if (q === undefined) {
      q = parseQuery(schema, req.query);
      // Gateways poll the same few URLs; a client inventing new ones only resets the memo.
      if (parsed.size >= 256) parsed.clear();
      parsed.set(key, q);
    }
    return q;
  };
}

/**
 * A body route reads JSON only; any other media type (or none) is 415, not a 400 about fields
 * that express.json() never parsed.
 */
function requireJson(spec: RouteSpec, req: Request): void {
  if (typeof req.is('json') === 'string') return;
  const got = req.headers['content-type'];
  throw new UnsupportedMediaTypeError(
    `${spec.method.toUpperCase()} ${spec.path} takes a JSON body: send Content-Type: application/json (got ${got !== undefined ? JSON.stringify(got) : 'no Content-Type'})`,
    'content-type',
  );
}

/** A body that is not an object is reported as its missing fields, not as `query`. */
function parseBody(schema: z.ZodType, raw: unknown): unknown {
  return parseQuery(
    schema,
    typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {},
  );
}

function checkAnswer(spec: RouteSpec, answer: unknown): void {
  const result = spec.ok.schema.safeParse(answer);
  if (result.success) return;
  const issue = result.error.issues[0];
  throw new Error(
    `${spec.method.toUpperCase()} ${spec.path}: the answer does not match its documented schema at ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
  );
}

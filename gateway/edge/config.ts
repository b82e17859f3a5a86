import { z } from 'zod';
import { duration, flag } from '../config/units.js';

// The `cors` and `security` sections and `server.tls` of gateway.yaml, one part of the schema
// gateway/config/schema.ts assembles. docs/config.md is generated from the TSDoc on these fields
// (`npm run docs`), so every field carries one, with its default.

/** `server.tls`: the certificate and key the gateway serves HTTPS with (gateway/edge/load-tls.ts). */
export const tlsSchema = z
  .object({
    /**
     * PEM certificate chain file, relative to the directory of gateway.yaml.
     * @default required
     */
    cert: z.string({ error: 'expected a file path' }).min(1),
    /**
     * PEM private key file, relative to the directory of gateway.yaml.
     * @default required
     */
    key: z.string({ error: 'expected a file path' }).min(1),
    /**
     * Passphrase of an encrypted private key (use `${env.NAME}`).
     * @default none
     */
    passphrase: z.string().optional(),
  })
  .strict();

/** The `cors` section: which browser origins may call the gateway (gateway/edge/cors.ts). */
export const corsSchema = z
  .object({
    /**
     * Origins browsers may call from: exact (`https://app.example.com`), with a wildcard for subdomains
     * (`https://*.example.com`), or `*` for any origin (not allowed together with `credentials`). Empty: no
     * CORS headers are sent.
     * @default []
     */
    origins: z.array(z.string().min(1)).default([]),
    /**
     * Let browsers send cookies and authorization headers cross-origin (`Access-Control-Allow-Credentials`).
     * @default false
     */
    credentials: flag().default(false),
    /**
     * Request headers a cross-origin request may carry.
     * @default ["content-type", "authorization", "apollo-require-preflight", "x-apollo-operation-name", "x-request-id"]
     */
    allowHeaders: z
      .array(z.string().min(1))
      .default(['content-type', 'authorization', 'apollo-require-preflight', 'x-apollo-operation-name', 'x-request-id']),
    /**
     * Response headers scripts may read: the rate-limit headers, and the REST layer's `etag` (for
     * `If-None-Match`) and `x-graphql-errors` (partial answers).
     * @default ["x-request-id", "x-cache", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "ratelimit", "ratelimit-policy", "retry-after", "etag", "x-graphql-errors"]
     */
    exposeHeaders: z
      .array(z.string().min(1))
      .default([
        'x-request-id', 'x-cache', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'ratelimit',
        'ratelimit-policy', 'retry-after', 'etag', 'x-graphql-errors',
      ]),
    /**
     * How long browsers may cache a preflight answer (`Access-Control-Max-Age`).
     * @default "10m"
     */
    maxAge: duration().default(600_000),
  })
  .strict()
  .refine((value) => !(value.credentials && value.origins.includes('*')), {
    error: 'origins "*" cannot be combined with credentials: list the origins instead',
  });

/** The `security` section: security response headers and who may introspect. */
export const securitySchema = z
  .object({
    /**
     * Headers on every response, merged over the defaults (`x-content-type-options: nosniff`,
     * `x-frame-options: DENY`, `referrer-policy: no-referrer`, `content-security-policy: default-src 'none';
     * frame-ancestors 'none'`, and `strict-transport-security: max-age=31536000` when TLS is on). `false`
     * removes a default.
     * @default {}
     */
    headers: z.record(z.string(), z.union([z.string(), z.literal(false)])).default({}),
    /**
     * When set, introspection (`__schema`, `__type`) is allowed only for principals holding this scope;
     * others get INTROSPECTION_NOT_ALLOWED. `graphql.introspection: false` still turns it off for everyone.
     * @default none (everyone may introspect while graphql.introspection is true)
     */
    introspectionScope: z.string().min(1).optional(),
  })
  .strict();

import { z } from 'zod';
import { integer } from '../config/units.js';

// The `rest` section of gateway.yaml, one part of the schema gateway/config/schema.ts assembles.
// docs/config.md is generated from the TSDoc on these fields (`npm run docs`), so every field carries one,
// with its default.

/** HTTP methods a REST route may answer. */
export const REST_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

const REST_PATH_MESSAGE =
  'expected a path such as "/v1/products/:upc": "/"-separated segments of letters, digits, "-", ".", "_", "~", or :name parameters';
/** `/`, or segments that are literal URL-safe text or `:name` with `name` a GraphQL variable name. */
const REST_PATH = /^\/$|^(\/([A-Za-z0-9._~-]+|:[_A-Za-z][_0-9A-Za-z]*))+$/;
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

const restRouteSchema = z
  .object({
    /**
     * HTTP method the route answers; another method on its path gets 405 with an `Allow` header.
     * @default "GET"
     */
    method: z.enum(REST_METHODS, { error: `expected one of ${REST_METHODS.join(', ')}` }).default('GET'),
    /**
     * Path template below `rest.basePath`, e.g. `/v1/products/:upc`. Each `:name` segment is a path
     * parameter and must name a variable of the operation.
     * @default none (required)
     */
    path: z.string({ error: REST_PATH_MESSAGE }).regex(REST_PATH, { error: REST_PATH_MESSAGE }),
    /**
     * The GraphQL operation the route runs: the operation text inline, or the path of a `.graphql` file
     * relative to the directory of gateway.yaml. Its variables are filled from the path parameters, then
     * the query string, then the JSON body, matched by name.
     * @default none (required)
     */
    operation: z.string({ error: 'expected a GraphQL operation or a .graphql file path' }).min(1),
    /**
     * Which operation of the document runs, when the document holds several.
     * @default the document's only operation
     */
    operationName: z.string().regex(GRAPHQL_NAME, { error: 'expected a GraphQL name' }).optional(),
    /**
     * HTTP status of a successful answer, for example 201 for a route that creates something.
     * @default 200
     */
    status: integer(200, 299).default(200),
    /**
     * Dot-separated response keys naming the value the route answers with (`product.reviews`); every key
     * but the last must select a single object, not a list.
     * @default the operation's only root field
     */
    select: z
      .string()
      .regex(/^[_A-Za-z][_0-9A-Za-z]*(\.[_A-Za-z][_0-9A-Za-z]*)*$/, { error: 'expected response keys separated by dots' })
      .optional(),
    /**
     * Variable that receives the whole JSON body (for example `input` of type `CreateOrderInput!`).
     * Without it, the body must be a JSON object whose keys are matched to variables by name.
     * @default none: the body's keys are variables
     */
    body: z.string().regex(GRAPHQL_NAME, { error: 'expected a variable name' }).optional(),
    /**
     * One line describing the route in the OpenAPI document.
     * @default the selected root field's description
     */
    summary: z.string().optional(),
  })
  .strict();

/** The `rest` section: REST routes translated into GraphQL operations, and their OpenAPI document. */
export const restSchema = z
  .object({
    /**
     * Prefix of every route's path, for example `/api`. Any other path below it answers 404 as
     * `application/problem+json`.
     * @default ""
     */
    basePath: z
      .string()
      .regex(/^(\/[A-Za-z0-9._~-]+)*$/, { error: 'expected "" or a path such as "/api" without a trailing "/"' })
      .default(''),
    /**
     * Path of the OpenAPI 3.1 document describing the routes (`GET`), served when at least one route is
     * declared.
     * @default "/openapi.json"
     */
    openapiPath: z.string().regex(/^\/\S*$/, { error: 'expected a path starting with "/"' }).default('/openapi.json'),
    /**
     * Path of a page that renders the OpenAPI document for people (Redoc, bundled into the package: no CDN,
     * works offline), served when at least one route is declared; `false` serves none. Its script is
     * served below it (`<docsPath>/redoc.standalone.js`).
     * @default "/docs"
     */
    docsPath: z
      .union([z.literal(false), z.string().regex(/^\/\S*$/, { error: 'expected a path starting with "/", or false' })], {
        error: 'expected a path starting with "/", or false',
      })
      .default('/docs'),
    /**
     * `info.title` of the OpenAPI document.
     * @default "Atrium REST API"
     */
    title: z.string().default('Atrium REST API'),
    /**
     * `info.version` of the OpenAPI document (the version of your REST API, not of Atrium).
     * @default "1.0.0"
     */
    version: z.string().default('1.0.0'),
    /**
     * `info.license` of the OpenAPI document: the license of your REST API (`name`, and an SPDX `identifier`
     * or a `url`, not both).
     * @default none
     */
    license: z
      .object({
        /**
         * The license's name, e.g. `Apache 2.0`.
         * @default none (required)
         */
        name: z.string().min(1),
        /**
         * Its SPDX identifier, e.g. `Apache-2.0`.
         * @default none
         */
        identifier: z.string().min(1).optional(),
        /**
         * A URL of its text.
         * @default none
         */
        url: z.url().optional(),
      })
      .strict()
      .refine((license) => license.identifier === undefined || license.url === undefined, {
        error: 'give identifier or url, not both (OpenAPI 3.1)',
      })
      .optional(),
    /**
     * The routes: each maps an HTTP method and path template to one GraphQL operation that runs through the
     * same pipeline as `/graphql` (authentication, authorization, cost, quotas, logging). Every route is
     * checked against the supergraph at startup; a bad route stops startup with an error naming it.
     * @default []
     */
    routes: z.array(restRouteSchema).default([]),
  })
  .strict();

/** The HTTP application: routes, error handling, metrics. */
export { buildApp, type AppOptions, type RouteEntry } from './app.js';
export type { AppServices } from './services.js';
export type { ErrorBody } from './error-handler.js';
export { buildStandaloneApp, type StandaloneAppOptions } from './standalone-app.js';

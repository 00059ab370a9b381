/** The server answered with an error: `code` is its stable error code (e.g. RESOURCE_DOES_NOT_EXIST). */
export class PuenteApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PuenteApiError';
  }
}

/** No server answered at the URL; the message says which URL was tried and how to start one. */
export class PuenteUnreachableError extends Error {
  constructor(readonly baseUrl: string, cause?: unknown) {
    super(`No Puente server answered at ${baseUrl}. Start one with "npx puente server" (or "npm start" in a checkout), or point --server / PUENTE_URL at a running one.`, { cause });
    this.name = 'PuenteUnreachableError';
  }
}

import { InvalidParameterError, PermissionDeniedError } from '../errors/index.js';

/**
 * Which hosts webhooks may be sent to. Entries are host names or addresses, optionally with a
 * port (`hooks.example.com:8443`), or a wildcard for subdomains (`*.example.com`). With no
 * entries, no webhook may be sent at all: a server must not become a way to reach arbitrary
 * hosts of its network.
 */
export class WebhookTargetPolicy {
  readonly #entries: readonly string[];

  constructor(allowedHosts: readonly string[]) {
    this.#entries = allowedHosts.map((h) => h.trim().toLowerCase()).filter(Boolean);
  }

  /** The parsed URL when it may be called; otherwise a 400 (not a URL) or 403 (host not allowed). */
  check(target: string): URL {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new InvalidParameterError(`Webhook target '${target}' is not a URL.`, 'url');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new InvalidParameterError(`Webhook target '${target}' must use http or https.`, 'url');
    }
    if (url.username || url.password) {
      throw new InvalidParameterError('Webhook targets may not carry credentials in the URL; use the signing secret instead.', 'url');
    }
    const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    if (!this.#entries.some((entry) => matches(entry, host, port))) {
      throw new PermissionDeniedError(
        `Webhook host '${host}' is not allowed; add it to PUENTE_WEBHOOK_ALLOWED_HOSTS (comma-separated host names, host:port, or *.domain).`,
      );
    }
    return url;
  }
}

function matches(entry: string, host: string, port: string): boolean {
  let name = entry;
  let wantedPort: string | undefined;
  const portMatch = /^(.*):(\d+)$/.exec(entry);
  if (portMatch && !entry.includes('::')) [, name, wantedPort] = portMatch as unknown as [string, string, string];
  name = name!.replace(/^\[|\]$/g, '');
  if (wantedPort !== undefined && wantedPort !== port) return false;
  if (name.startsWith('*.')) return host.endsWith(name.slice(1)) && host.length > name.length - 1;
  return host === name;
}

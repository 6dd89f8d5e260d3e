import { SERVICE_DOCUMENT_PATH } from '@cloud-backend/shared';
import type { Upstream } from '../upstreams.js';
import type { ServiceName, ServiceSource } from './assemble.js';
import type { OpenApiDocument } from './types.js';

/** How long one read of a service's document may take. */
const READ_TIMEOUT_MS = 2000;
/** A document read is kept this long before it is read again (a redeployed service). */
const FRESH_FOR_MS = 5 * 60_000;
/** After a failed read, the next request tries again no sooner than this. */
const RETRY_AFTER_MS = 5000;

/** A service that answered, but not with its document (safe to show: no address in it). */
class UnusableAnswer extends Error {}

function isDocument(value: unknown): value is OpenApiDocument {
  if (typeof value !== 'object' || value === null) return false;
  const { openapi, paths } = value as { openapi?: unknown; paths?: unknown };
  return typeof openapi === 'string' && typeof paths === 'object' && paths !== null;
}

async function read(upstream: Upstream): Promise<OpenApiDocument> {
  const response = await upstream.pool.request({
    method: 'GET',
    path: SERVICE_DOCUMENT_PATH,
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(READ_TIMEOUT_MS),
  });
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new UnusableAnswer(`answered ${String(response.statusCode)}`);
  }
  const body: unknown = await response.body.json();
  if (!isDocument(body))
    throw new UnusableAnswer('answered something that is not an OpenAPI document');
  return body;
}

/**
 * The services' own documents, read from each service's SERVICE_DOCUMENT_PATH over the
 * gateway's pool to it and kept: a service that is down when the public document is asked for
 * leaves its last document in place, or, never read, is named as missing; it is tried again on
 * a later request, at most every RETRY_AFTER_MS. Reads never throw.
 */
export class ServiceDocuments {
  private readonly sources = new Map<ServiceName, ServiceSource & { triedAt?: number }>();
  private running: Promise<void> | undefined;
  /** Counts the reads that changed what is known, so a caller can keep what it built from it. */
  generation = 0;

  constructor(private readonly upstreams: Record<ServiceName, Upstream>) {
    for (const name of Object.keys(upstreams) as ServiceName[]) this.sources.set(name, {});
  }

  private due(now: number): ServiceName[] {
    return [...this.sources.entries()]
      .filter(([, source]) => {
        if (source.triedAt === undefined) return true;
        const wait = source.document && !source.error ? FRESH_FOR_MS : RETRY_AFTER_MS;
        return now - source.triedAt >= wait;
      })
      .map(([name]) => name);
  }

  /** Reads the documents that are due (all, the first time); one round at a time. */
  async refresh(): Promise<void> {
    this.running ??= this.readDue().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async readDue(): Promise<void> {
    const now = Date.now();
    await Promise.all(
      this.due(now).map(async (name) => {
        const source = this.sources.get(name) ?? {};
        source.triedAt = now;
        const before = source.error;
        try {
          source.document = await read(this.upstreams[name]);
          source.readAt = new Date().toISOString();
          delete source.error;
          this.generation += 1;
        } catch (error) {
          // The document is public: the connection error's text (an internal address) is not.
          source.error =
            error instanceof UnusableAnswer ? error.message : 'could not be reached in time';
          if (source.error !== before) this.generation += 1;
        }
        this.sources.set(name, source);
      }),
    );
  }

  /** What is known now, after reading what is due. */
  async current(): Promise<Record<ServiceName, ServiceSource>> {
    await this.refresh();
    return this.snapshot();
  }

  snapshot(): Record<ServiceName, ServiceSource> {
    return Object.fromEntries(
      [...this.sources.entries()].map(([name, { document, readAt, error }]) => [
        name,
        {
          ...(document ? { document } : {}),
          ...(readAt ? { readAt } : {}),
          ...(error ? { error } : {}),
        },
      ]),
    ) as Record<ServiceName, ServiceSource>;
  }
}

import type { ServiceApp } from '@cloud-backend/shared';
import type { OpenApiDocument } from '../../src/openapi/types.js';

/** The gateway's public document, as a client reads it. */
export async function publicDocument(gateway: ServiceApp): Promise<OpenApiDocument> {
  const answer = await gateway.inject({ url: '/openapi.json' });
  if (answer.statusCode !== 200) {
    throw new Error(`/openapi.json answered ${String(answer.statusCode)}: ${answer.body}`);
  }
  return answer.json<OpenApiDocument>();
}

/** Every operation of a document: method (upper case), path template and the operation. */
export function operationsOf(document: OpenApiDocument) {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      operation,
    })),
  );
}

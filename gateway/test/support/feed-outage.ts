import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FeedOutage {
  /** What the gateway takes as AUTH_SERVICE_URL. */
  url: string;
  /** From now on, reads of the revocation feed find no answer (their connection is reset). */
  cut(): void;
  /** The feed answers again. */
  heal(): void;
  close(): Promise<void>;
}

/**
 * An HTTP hop in front of the real auth-service that forwards everything but, while cut, the
 * revocation feed: logins and logouts through the gateway keep working, the gateway's reads of
 * GET /internal/revocations fail as they would with that route broken or unreachable.
 */
export async function feedOutage(authUrl: string): Promise<FeedOutage> {
  const target = new URL(authUrl);
  let cut = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    if (cut && request.url?.startsWith('/internal/revocations')) {
      request.socket.destroy();
      return;
    }
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
        headers: request.headers,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => request.socket.destroy());
    request.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    cut() {
      cut = true;
    },
    heal() {
      cut = false;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

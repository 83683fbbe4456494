import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * An HTTP proxy in front of a DynamoDB endpoint, for CLI processes that the fault injector
 * (which lives inside a test's own client) cannot reach: it forwards every request, drops the
 * connection of chosen ones, or stops answering altogether.
 */
export interface FlakyProxy {
  readonly endpoint: string;
  /** `hang`: accept every request and never answer (an endpoint that hangs). */
  mode: 'forward' | 'hang';
  /** Drops the connection of the next `times` requests whose JSON body passes `when`, calling `dropped` each time. */
  drop(when: (body: string) => boolean, times?: number, dropped?: () => void): void;
  /** Bodies of the requests seen, in order. */
  readonly bodies: string[];
  close(): Promise<void>;
}

/** Starts a proxy to `target` on 127.0.0.1. */
export async function startProxy(target: string): Promise<FlakyProxy> {
  const sockets = new Set<Socket>();
  const rules: { when: (body: string) => boolean; times: number; dropped: (() => void) | undefined }[] = [];
  const bodies: string[] = [];
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const out = request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    out.end(body);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.toString();
      bodies.push(text);
      if (proxy.mode === 'hang') return;
      const rule = rules.find((r) => r.times > 0 && r.when(text));
      if (rule !== undefined) {
        rule.times--;
        req.socket.destroy();
        rule.dropped?.();
        return;
      }
      forward(req, res, body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: FlakyProxy = {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    mode: 'forward',
    drop: (when, times = 1, dropped = undefined) => {
      rules.push({ when, times, dropped });
    },
    bodies,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return proxy;
}

/** Whether a request body is a release (the lock's own, not a forced one). */
export function isRelease(body: string): boolean {
  // A prefix: the release also records when it freed the lock and the average hold.
  return body.includes('"UpdateExpression":"SET #exp = :zero, #expms = :zero, #ttl = :ttl');
}

/** Whether a request body is a renewal (an extend). */
export function isRenewal(body: string): boolean {
  return body.includes('"UpdateExpression":"SET #exp = :exp, #expms = :expms, #ttl = :ttl"');
}

#!/usr/bin/env node
// Development server for the console (no dependency): serves web/dist under /console/ with the
// headers otpgate sends (src/console/console_files.cpp: the same CSP, so a violation shows up
// here first; unlike otpgate it reads dist/ on every request, so a rebuild needs no restart)
// and proxies /v1/,
// /healthz, /readyz and /openapi.json to a running otpgate.
//
//   OTPGATE_URL          the otpgate to proxy to (default http://127.0.0.1:8080)
//   CONSOLE_DEV_LISTEN   where to listen (default 127.0.0.1:5173)

import http from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, '../dist');
const upstream = new URL(process.env.OTPGATE_URL ?? 'http://127.0.0.1:8080');
const [host, port] = (process.env.CONSOLE_DEV_LISTEN ?? '127.0.0.1:5173').split(':');

export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; " +
  "form-action 'self'; frame-ancestors 'none'";

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

function securityHeaders() {
  return {
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}

async function serveStatic(req, res, rel) {
  const file = path.resolve(dist, rel || 'index.html');
  if (!file.startsWith(dist + path.sep)) return send(res, 404, 'not found');
  try {
    const st = await stat(file);
    if (!st.isFile()) return send(res, 404, 'not found');
    const body = await readFile(file);
    const immutable = rel.startsWith('assets/');
    res.writeHead(200, {
      ...securityHeaders(),
      'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'Content-Length': body.length,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    send(res, 404, 'not found');
  }
}

function send(res, status, text, type = 'text/plain; charset=utf-8') {
  res.writeHead(status, { ...securityHeaders(), 'Content-Type': type });
  res.end(text);
}

function proxy(req, res, body) {
  return new Promise((resolve) => {
    const up = http.request(
      {
        host: upstream.hostname,
        port: upstream.port || 80,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (r) => {
        const chunks = [];
        r.on('data', (c) => chunks.push(c));
        r.on('end', () => resolve({ status: r.statusCode, headers: r.headers, body: Buffer.concat(chunks) }));
      },
    );
    up.on('error', () => resolve({ status: 502, headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ status: 502, code: 'DEV_PROXY', message: `otpgate at ${upstream.href} did not answer.` })) }));
    up.end(body);
  });
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/' || url.pathname === '/console') {
    res.writeHead(302, { Location: '/console/' });
    return res.end();
  }
  if (url.pathname.startsWith('/console/')) {
    return serveStatic(req, res, decodeURIComponent(url.pathname.slice('/console/'.length)));
  }
  if (url.pathname.startsWith('/v1/') || ['/healthz', '/readyz', '/openapi.json'].includes(url.pathname)) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const r = await proxy(req, res, Buffer.concat(chunks));
    const headers = { ...r.headers };
    delete headers['transfer-encoding'];
    delete headers.connection;
    res.writeHead(r.status, headers);
    return res.end(r.body);
  }
  send(res, 404, 'not found');
});

server.listen(Number(port), host, () => {
  console.log(`console dev server on http://${host}:${port}/console/ -> otpgate ${upstream.href}`);
});

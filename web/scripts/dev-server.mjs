#!/usr/bin/env node
// Development server for the console (no dependency): serves web/dist under /console/ with the
// headers otpgate sends (src/console/console_files.cpp: the same CSP, so a violation shows up
// here first; unlike otpgate it reads dist/ on every request, so a rebuild needs no restart)
// and proxies /v1/,
// /healthz, /readyz and /openapi.json to a running otpgate.
//
//   OTPGATE_URL          the otpgate to proxy to (default http://127.0.0.1:8080)
//   CONSOLE_DEV_LISTEN   where to listen (default 127.0.0.1:5173)
//   CONSOLE_DEV_SHIM_KEYS, CONSOLE_DEV_SHIM_BRANDS
//                        DEV ONLY, for an otpgate that does not have GET /v1/me and
//                        GET /v1/brands yet: when the upstream answers 404 to one of them, the
//                        answer is made here from the keys file (SHA-256 of the Bearer key)
//                        and the brands folder. Off unless both are set. The console itself
//                        only ever calls the public API.

import http from 'node:http';
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, '../dist');
const upstream = new URL(process.env.OTPGATE_URL ?? 'http://127.0.0.1:8080');
const [host, port] = (process.env.CONSOLE_DEV_LISTEN ?? '127.0.0.1:5173').split(':');
const shimKeys = process.env.CONSOLE_DEV_SHIM_KEYS;
const shimBrands = process.env.CONSOLE_DEV_SHIM_BRANDS;

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

async function shim(req) {
  if (!shimKeys || !shimBrands || req.method !== 'GET') return null;
  const url = new URL(req.url, 'http://x');
  if (url.pathname !== '/v1/me' && url.pathname !== '/v1/brands') return null;
  const auth = /^bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  const unauth = { status: 401, body: { status: 401, code: 'UNAUTHENTICATED', message: 'The API key is missing or unknown.' } };
  if (!auth) return unauth;
  const hash = createHash('sha256').update(auth[1].trim()).digest('hex');
  const keys = JSON.parse(await readFile(shimKeys, 'utf8')).keys;
  const key = keys.find((k) => k.sha256 === hash);
  if (!key) return unauth;
  if (url.pathname === '/v1/me') return { status: 200, body: { key_id: key.id, brand: key.brand, roles: key.roles } };
  const brands = [];
  for (const id of (await readdir(shimBrands)).sort()) {
    if (key.brand !== '*' && key.brand !== id) continue;
    try {
      const b = JSON.parse(await readFile(path.join(shimBrands, id, 'brand.json'), 'utf8'));
      brands.push({ id, display_name: b.display_name, locales: b.locales, default_locale: b.default_locale });
    } catch {
      /* not a brand folder */
    }
  }
  return { status: 200, body: { brands } };
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
    if (r.status === 404) {
      const s = await shim(req);
      if (s) {
        res.writeHead(s.status, { 'Content-Type': 'application/json', 'X-Console-Dev-Shim': '1' });
        return res.end(JSON.stringify(s.body));
      }
    }
    const headers = { ...r.headers };
    delete headers['transfer-encoding'];
    delete headers.connection;
    res.writeHead(r.status, headers);
    return res.end(r.body);
  }
  send(res, 404, 'not found');
});

server.listen(Number(port), host, () => {
  console.log(`console dev server on http://${host}:${port}/console/ -> otpgate ${upstream.href}` +
    (shimKeys && shimBrands ? ' (dev shim for /v1/me and /v1/brands on)' : ''));
});

// Serves the built app (STATIC_DIR): "/" → index.html, "/launch/" → launch/index.html,
// hashed assets with a long cache, HTML revalidated on every load.
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
};

export interface StaticResult {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | string | null;
}

export class StaticFiles {
  readonly root: string;
  constructor(dir: string) {
    this.root = resolve(dir);
  }

  async serve(pathname: string, search: string, method: string): Promise<StaticResult> {
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      return notFound();
    }
    if (rel.includes('\0')) return notFound();
    let file = resolve(join(this.root, rel));
    if (file !== this.root && !file.startsWith(this.root + sep)) return notFound();

    let info = await stat(file).catch(() => undefined);
    if (info?.isDirectory()) {
      if (!pathname.endsWith('/')) {
        return { status: 301, headers: { Location: `${pathname}/${search}`, 'Cache-Control': 'no-cache' }, body: null };
      }
      file = join(file, 'index.html');
      info = await stat(file).catch(() => undefined);
    }
    if (!info?.isFile()) {
      if (pathname === '/') {
        return {
          status: 503,
          headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
          body: 'The app is not built: run `npm run build`.\n',
        };
      }
      return notFound();
    }
    const ext = extname(file).toLowerCase();
    const immutable = rel.startsWith('/assets/');
    const body = method === 'HEAD' ? null : await readFile(file);
    return {
      status: 200,
      headers: {
        'Content-Type': TYPES[ext] ?? 'application/octet-stream',
        'Content-Length': String(info.size),
        'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      },
      body,
    };
  }
}

function notFound(): StaticResult {
  return { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' }, body: 'Not found\n' };
}

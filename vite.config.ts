import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';

// Two pages: the SMART launch page (/launch/) and the app (/). The Node server serves dist/.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    sourcemap: false,
    rollupOptions: {
      input: { app: resolve(import.meta.dirname, 'index.html'), launch: resolve(import.meta.dirname, 'launch/index.html') },
    },
  },
  server: { port: 5173, proxy: { '/api': 'http://127.0.0.1:8080' } },
});

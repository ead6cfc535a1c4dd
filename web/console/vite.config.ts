import { defineConfig } from 'vitest/config';

// The build goes into the Go server's embed folder (server/static/dist);
// assets get content hashes, so the server can cache them forever.
// `npm run dev` serves the app with hot reload and proxies /api to a local
// orders-api (ORDERS_API_URL, default http://127.0.0.1:8080), like the Go
// server does in local mode.
export default defineConfig({
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'server/static/dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    // No inline scripts or data: URLs for assets: the CSP allows only 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: {
      '/api': {
        target: process.env.ORDERS_API_URL ?? 'http://127.0.0.1:8080',
        rewrite: (p) => p.replace(/^\/api/, ''),
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
    restoreMocks: true,
    // The machine is shared: give slow renders room before calling them failures.
    testTimeout: 20000,
  },
});

import { defineConfig } from 'vitest/config';

// Tauri serves `dist` at the root of its custom protocol: default `base` is right.
export default defineConfig({
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Tauri on Linux uses WebKitGTK.
    target: 'safari15',
    sourcemap: false,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
    // a11y.test.ts reads the real stylesheet (`styles.css?raw`): vitest must not blank it.
    css: { include: [/styles\.css/] },
  },
});

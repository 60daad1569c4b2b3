// Builds the agent workspace: SvelteKit (config lives here since SvelteKit 3) with
// adapter-node, so the Express server can mount ui/build/handler.js after its /api routes.
// `root` is pinned to ui/ because `npm run build:ui` runs Vite from the repository root.
import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import { join } from 'node:path';
import { defineConfig } from 'vite';

const uiDir = import.meta.dirname;

export default defineConfig({
  root: uiDir,
  plugins: [sveltekit({ adapter: adapter({ out: join(uiDir, 'build') }) })],
  server: {
    // The UI imports the API's types and the ticket vocabulary from the repository root.
    fs: { allow: [join(uiDir, '..')] },
  },
});

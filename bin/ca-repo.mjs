#!/usr/bin/env node
// Entry point for `npx ca-repo`: runs the TypeScript CLI through tsx (a runtime dependency).
import { register } from 'tsx/esm/api';

register();
await import('./ca-repo.ts');

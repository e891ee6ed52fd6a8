#!/usr/bin/env node
// The `palette` command. Runs the compiled CLI from dist/ (built by `npm install`).
import '../dist/compiler/cli/main.js';

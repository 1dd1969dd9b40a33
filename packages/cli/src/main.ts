#!/usr/bin/env node
// The riff executable: signal handlers first (signals.ts loads little), so a Ctrl-C while the
// models' native libraries load is already handled; then the CLI itself.
import { installSignalHandlers } from "./signals.js";

const removeSignalHandlers = installSignalHandlers();
const { runCli } = await import("./program.js");
process.exitCode = await runCli(process.argv);
removeSignalHandlers();

import type { Command } from "commander";
import { defaultModels } from "../defaults.js";

export function registerModels(program: Command): void {
  program
    .command("models")
    .description("List the embedded default models and where they are")
    .option("--json", "print JSON")
    .action((options: { json?: boolean }) => {
      const models = defaultModels();
      if (options.json) {
        process.stdout.write(JSON.stringify(models, null, 2) + "\n");
        return;
      }
      for (const m of models) {
        process.stdout.write(`${m.modality.padEnd(6)} ${m.name.padEnd(18)} ${m.present ? "" : "(missing) "}${m.path}\n`);
      }
    });
}

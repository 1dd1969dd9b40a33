/**
 * Structured output with riff: the embedded text model answers in a JSON Schema, a regular
 * expression and a GBNF grammar. Run from the repository: `node --import tsx examples/structured-output.ts`.
 */
import { fileURLToPath } from "node:url";
import { loadTextModel } from "@riff/text";

const modelDir = fileURLToPath(new URL("../models/kjv-llama", import.meta.url));
const model = await loadTextModel(modelDir);
try {
  const person = await model.generate("And the LORD said", {
    responseFormat: {
      type: "json_schema",
      schema: {
        type: "object",
        properties: { name: { type: "string", maxLength: 12 }, age: { type: "integer", minimum: 1, maximum: 120 } },
        required: ["name", "age"],
      },
    },
    temperature: 1,
    seed: 1,
  });
  console.log("json_schema:", person.text, JSON.parse(person.text));
  const anyObject = await model.generate("In the beginning", { responseFormat: { type: "json_object" }, maxNewTokens: 40 });
  console.log("json_object:", anyObject.text, anyObject.incomplete ? "(incomplete)" : "");
  const date = await model.generate("In the beginning", { responseFormat: { type: "regex", pattern: "[0-9]{4}-[0-9]{2}-[0-9]{2}" } });
  console.log("regex:", date.text);
  const answer = await model.generate("Is it good?", { responseFormat: { type: "grammar", grammar: 'root ::= ("yes" | "no") ", because " [a-z ]{1,20} "."' } });
  console.log("grammar:", answer.text);
} finally {
  await model.dispose();
}

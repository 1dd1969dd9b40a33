// An `openai` client talking to `riff serve`: a streamed completion, an image and speech.
// Run: npx riff serve & then node --import tsx examples/openai-client.ts [http://127.0.0.1:8080] [out-dir]
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";

const base = process.argv[2] ?? "http://127.0.0.1:8080";
const out = process.argv[3] ?? ".";
const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: "riff needs no key" });

const models = await client.models.list();
const id = (kind: string): string => (models.data.find((m) => (m as { riff_modality?: string }).riff_modality === kind) ?? models.data[0]!).id;

const stream = await client.completions.create({ model: id("text"), prompt: "And God said", max_tokens: 40, temperature: 0.8, seed: 1, stream: true });
for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.text ?? "");
process.stdout.write("\n");

const image = await client.images.generate({ model: id("image"), prompt: "a red circle at the top left on a blue background", response_format: "b64_json" });
writeFileSync(join(out, "image.png"), Buffer.from(image.data![0]!.b64_json!, "base64"));

const speech = await client.audio.speech.create({ model: id("speech"), voice: "alloy", input: "Hello from riff.", response_format: "wav" });
writeFileSync(join(out, "speech.wav"), Buffer.from(await speech.arrayBuffer()));
console.log(`wrote ${join(out, "image.png")} and ${join(out, "speech.wav")}`);

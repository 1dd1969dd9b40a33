// The web page at / in a real browser: Debian's chromium driven by playwright-core (no browser
// download). Type a prompt → streamed text; draw → an image; speak → an audio element with a WAV.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { startServer, type RiffServer } from "@riff/server";

const CHROMIUM = "/usr/bin/chromium";
let server: RiffServer;
let browser: Browser;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  server = await startServer({ port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test("the page streams text, shows an image and plays a WAV, through /v1 only", async () => {
  const page = await browser.newPage();
  const requested: string[] = [];
  page.on("request", (r) => void (r.url().startsWith("http") && requested.push(new URL(r.url()).pathname)));
  await page.goto(server.url);
  await page.locator("#models").filter({ hasText: "text:" }).waitFor();

  await page.fill("#text-prompt", "In the beginning");
  await page.fill("#text-temperature", "0");
  await page.fill("#text-max-tokens", "20");
  await page.click("#text-go");
  await page.locator('#text-out[data-done="true"]').waitFor({ timeout: 30_000 });
  const text = await page.textContent("#text-out");
  const expected = await (await fetch(`${server.url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "In the beginning", max_tokens: 20, temperature: 0 }) })).json() as { choices: Array<{ text: string }> };
  assert.equal(text, expected.choices[0]!.text);

  await page.fill("#image-steps", "4");
  await page.click("#image-go");
  const img = page.locator("#image-out img");
  await img.waitFor({ timeout: 60_000 });
  const width = await img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth);
  assert.ok(width > 0, "the PNG decoded in the browser");

  await page.click("#speech-go");
  const audio = page.locator("#speech-out audio");
  await audio.waitFor({ timeout: 60_000 });
  assert.ok(Number(await audio.getAttribute("data-bytes")) > 44, "a WAV with samples");
  assert.equal(await audio.getAttribute("data-type"), "audio/wav");

  assert.deepEqual([...new Set(requested)].filter((p) => p !== "/" && !p.startsWith("/v1/")), []);
});

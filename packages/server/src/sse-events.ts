/**
 * The data of each server-sent event in a response body (`data: …` blocks, `[DONE]` included), for
 * programs that read riff's streams without an OpenAI client: the bench and the tests.
 */
export async function* sseData(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      yield buffer.slice(0, end).replace(/^data: /, "");
      buffer = buffer.slice(end + 2);
    }
  }
}

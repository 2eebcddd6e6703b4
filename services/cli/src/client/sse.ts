// A minimal text/event-stream reader (the WHATWG format): `id:`, `event:`, `data:` lines, a blank
// line ends an event. Bounded: an event larger than EVENT_BYTES_MAX ends the stream.
export interface SseEvent {
  readonly id: string | null;
  readonly event: string;
  readonly data: string;
}

export const EVENT_BYTES_MAX = 1 << 20;

export class SseParser {
  #buffer = "";
  #id: string | null = null;
  #event = "";
  #data: string[] = [];

  /** Feeds a chunk; returns the events it completed. */
  push(chunk: string): SseEvent[] {
    this.#buffer += chunk;
    if (this.#buffer.length > EVENT_BYTES_MAX) throw new Error("event stream: event too large");
    const events: SseEvent[] = [];
    let newline = this.#buffer.search(/\r\n|\n|\r/);
    while (newline >= 0) {
      const line = this.#buffer.slice(0, newline);
      const width = this.#buffer.startsWith("\r\n", newline) ? 2 : 1;
      this.#buffer = this.#buffer.slice(newline + width);
      const event = this.#line(line);
      if (event !== null) events.push(event);
      newline = this.#buffer.search(/\r\n|\n|\r/);
    }
    return events;
  }

  #line(line: string): SseEvent | null {
    if (line === "") {
      if (this.#data.length === 0) {
        this.#event = "";
        return null;
      }
      const event = {
        id: this.#id,
        event: this.#event === "" ? "message" : this.#event,
        data: this.#data.join("\n"),
      };
      this.#event = "";
      this.#data = [];
      return event;
    }
    if (line.startsWith(":")) return null; // comment / keep-alive
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.#data.push(value);
    else if (field === "event") this.#event = value;
    else if (field === "id" && !value.includes("\0")) this.#id = value;
    return null;
  }
}

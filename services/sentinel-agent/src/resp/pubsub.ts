// Channel and pattern subscriptions of the RESP port's clients, and fan-out of the view's events
// to them (`message` / `pmessage`, Redis's pub/sub replies). Delivery never blocks: each
// subscriber's `deliver` enforces its own output buffer bound (see connection.ts).
import { globMatch } from "@sentinel-plane/core";
import type { Reply } from "./reply.js";
import { bulk } from "./reply.js";
import type { SentinelPubSubEvent } from "./view.js";

export interface Subscriber {
  /** Queues one push reply; the subscriber may drop itself when over its buffer limit. */
  deliver(reply: Reply): void;
}

export class PubSubHub {
  readonly #channels = new Map<string, Set<Subscriber>>();
  readonly #patterns = new Map<string, Set<Subscriber>>();

  /** Returns false when it was already subscribed. */
  subscribe(subscriber: Subscriber, channel: string): boolean {
    return addTo(this.#channels, channel, subscriber);
  }

  unsubscribe(subscriber: Subscriber, channel: string): boolean {
    return removeFrom(this.#channels, channel, subscriber);
  }

  psubscribe(subscriber: Subscriber, pattern: string): boolean {
    return addTo(this.#patterns, pattern, subscriber);
  }

  punsubscribe(subscriber: Subscriber, pattern: string): boolean {
    return removeFrom(this.#patterns, pattern, subscriber);
  }

  /** Channels with at least one subscriber (INFO pubsub_channels). */
  get channel_count(): number {
    return this.#channels.size;
  }

  get pattern_count(): number {
    return this.#patterns.size;
  }

  publish(event: SentinelPubSubEvent): number {
    let receivers = 0;
    const message: Reply = {
      type: "push",
      items: [bulk("message"), bulk(event.channel), bulk(event.payload)],
    };
    // Copy the sets: a delivery may drop a slow subscriber, which edits them.
    for (const subscriber of [...(this.#channels.get(event.channel) ?? [])]) {
      subscriber.deliver(message);
      receivers++;
    }
    for (const [pattern, subscribers] of [...this.#patterns]) {
      if (!globMatch(pattern, event.channel)) continue;
      const pmessage: Reply = {
        type: "push",
        items: [bulk("pmessage"), bulk(pattern), bulk(event.channel), bulk(event.payload)],
      };
      for (const subscriber of [...subscribers]) {
        subscriber.deliver(pmessage);
        receivers++;
      }
    }
    return receivers;
  }
}

function addTo(index: Map<string, Set<Subscriber>>, key: string, subscriber: Subscriber): boolean {
  let set = index.get(key);
  if (set === undefined) {
    set = new Set();
    index.set(key, set);
  }
  if (set.has(subscriber)) return false;
  set.add(subscriber);
  return true;
}

function removeFrom(index: Map<string, Set<Subscriber>>, key: string, subscriber: Subscriber): boolean {
  const set = index.get(key);
  if (set?.delete(subscriber) !== true) return false;
  if (set.size === 0) index.delete(key);
  return true;
}

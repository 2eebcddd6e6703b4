// The durable journals (failover history, audit log): JetStream streams with limits.
export { JournalQueue } from "./journal-queue.js";
export type { JournalEntry } from "./journal-queue.js";
export { JOURNAL_LIMITS_DEFAULT, JournalStore } from "./journal-store.js";
export type {
  JournalHealth,
  JournalItem,
  JournalLimits,
  JournalPage,
  JournalStoreOptions,
} from "./journal-store.js";

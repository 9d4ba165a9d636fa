/** Where new ids come from (run ids, generated plan ids); injected, so tests can fix them. */
export interface IdSource {
  newId(): string;
}

/** Random UUIDs from the platform's Web Crypto (Node and browsers alike). */
export const randomIds: IdSource = {
  newId: () => globalThis.crypto.randomUUID(),
};

// A counting wrapper around @remote-ui/rpc's basic encoder: what the host
// retains for the remote, per endpoint, mirrored from the encoder's own
// bookkeeping (its maps are private):
//   functions: the host's functions the remote may call (an id is made for
//              each new function encoded; the remote's RELEASE of the id, or
//              the endpoint's termination, forgets it);
//   proxies:   the remote's functions the host holds a proxy for (made when
//              a new id is decoded; the proxy's last release sends RELEASE,
//              termination drops them all).
// `ledger.live()` sums them over the endpoints not yet terminated.
import { createBasicEncoder } from "@remote-ui/rpc";

const FUNCTION = "_@f";

function functionIds(value, found = new Set()) {
  if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) return found;
  if (Array.isArray(value)) {
    for (const item of value) functionIds(item, found);
  } else if (FUNCTION in value) {
    found.add(value[FUNCTION]);
  } else {
    for (const key of Object.keys(value)) functionIds(value[key], found);
  }
  return found;
}

export function createLedger() {
  const books = new Set();
  return {
    books,
    createEncoder(api) {
      const book = { functions: new Set(), proxies: new Set(), terminated: false };
      books.add(book);
      const encoder = createBasicEncoder({
        ...api,
        uuid() {
          const id = api.uuid(); // only asked for when a new function is encoded
          book.functions.add(id);
          return id;
        },
        release(id) {
          book.proxies.delete(id);
          api.release(id);
        },
      });
      const { decode, release, terminate } = encoder;
      encoder.decode = (value, retainedBy) => {
        for (const id of functionIds(value)) book.proxies.add(id);
        return decode(value, retainedBy);
      };
      encoder.release = (id) => {
        book.functions.delete(id);
        release(id);
      };
      encoder.terminate = () => {
        book.functions.clear();
        book.proxies.clear();
        book.terminated = true;
        books.delete(book);
        terminate?.call(encoder);
      };
      return encoder;
    },
    live() {
      let functions = 0;
      let proxies = 0;
      for (const book of books) {
        functions += book.functions.size;
        proxies += book.proxies.size;
      }
      return { endpoints: books.size, functions, proxies };
    },
  };
}

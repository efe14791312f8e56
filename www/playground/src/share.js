// The session in the URL hash: `#z=` + base64url(deflate-raw(JSON)), or `#j=` +
// base64url(JSON) where CompressionStream is missing. The state is
// { v: 1, rules, live?, journey: {name, events, now}, loaded?: [journey…] }.

const enc = new TextEncoder();
const dec = new TextDecoder();

function toB64url(bytes) {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64url(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function pipe(bytes, stream) {
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer());
}

const canCompress = typeof CompressionStream === 'function' && typeof DecompressionStream === 'function';

/** The hash (without `#`) for a state object. */
export async function encodeState(state) {
  const bytes = enc.encode(JSON.stringify({ v: 1, ...state }));
  if (canCompress) return 'z=' + toB64url(await pipe(bytes, new CompressionStream('deflate-raw')));
  return 'j=' + toB64url(bytes);
}

/** The state of a hash (with or without `#`), or null when the hash holds none. Throws on a damaged one. */
export async function decodeState(hash) {
  const h = hash.replace(/^#/, '');
  let bytes;
  if (h.startsWith('z=')) {
    if (!canCompress) throw new Error('this browser cannot read compressed links');
    bytes = await pipe(fromB64url(h.slice(2)), new DecompressionStream('deflate-raw'));
  } else if (h.startsWith('j=')) {
    bytes = fromB64url(h.slice(2));
  } else {
    return null;
  }
  const state = JSON.parse(dec.decode(bytes));
  if (!state || typeof state !== 'object' || typeof state.rules !== 'string') throw new Error('the link holds no rules');
  return state;
}

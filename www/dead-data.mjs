// Dead weight in the tag's data section, zeroed after wasm-opt (gzip and brotli then
// squeeze each run of zeros to a few bits). In the tag a panic traps without reading its
// message or location (src/tag/lib.rs, and build.mjs gives the panic paths a body of
// `unreachable`), yet the bytes stay: the source paths of panic locations (`/rustc/…`,
// `src/….rs`, the registry's), the standard library's panic texts, and the two-digit table
// of integer formatting. Paths are zeroed always: nothing but a panic location names a
// source file. A text or the table is zeroed only when no code refers to an address
// inside it (an `i32.const` or a load's `offset=`), so live code never reads zeros.
import { readFileSync, writeFileSync } from 'node:fs';
import binaryen from 'binaryen';

const PATH = /(\/rustc\/[0-9a-f]{40}\/|\/root\/\.cargo\/registry\/|src\/)[A-Za-z0-9_./-]*?\.rs/g;
const PANIC_TEXTS = [
  'index out of bounds: the len is ', ' but the index is ', 'called `Result::unwrap()` on an `Err` value',
  'called `Option::unwrap()` on a `None` value', 'attempt to join into collection with len > usize::MAX',
  'assertion failed: ', 'copy_from_slice: source slice length (', ') does not match destination slice length (',
  'Tried to shrink to a larger capacity', 'RefCell already mutably borrowed', 'RefCell already borrowed',
  ' out of range for slice of length ', 'range start index ', 'range end index ', 'slice index starts at ',
  ' but ends at ', 'capacity overflow', ' is not a char boundary', 'byte index ', 'is out of bounds of `',
  'assertion failed: self.is_char_boundary(new_len)', 'attempt to add with overflow', 'attempt to multiply with overflow',
];
const DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).join('');

/** The active data segments of a wasm binary: memory address, place and size in the file. */
function segments(buf) {
  let at = 8;
  const leb = () => {
    let n = 0;
    let shift = 0;
    for (;;) {
      const b = buf[at++];
      n += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) return n;
    }
  };
  const sleb = () => {
    let n = 0;
    let shift = 0;
    let b;
    do {
      b = buf[at++];
      n |= (b & 0x7f) << shift;
      shift += 7;
    } while (b >= 0x80);
    return shift < 32 && b & 0x40 ? n | (-1 << shift) : n;
  };
  const out = [];
  while (at < buf.length) {
    const id = buf[at++];
    const size = leb();
    const end = at + size;
    if (id === 11) {
      for (let count = leb(); count > 0; count--) {
        const flags = leb();
        if (flags === 2) leb(); // memory index
        let addr = null;
        if (flags !== 1) {
          if (buf[at++] !== 0x41) throw new Error('dead-data: a data segment offset that is not i32.const');
          addr = sleb();
          if (buf[at++] !== 0x0b) throw new Error('dead-data: unexpected data segment offset');
        }
        const len = leb();
        if (addr !== null) out.push({ addr, start: at, len });
        at += len;
      }
    }
    at = end;
  }
  return out;
}

/** Addresses that code names: constants and load/store offsets in function bodies (not
 * the data segments' own offsets), and the globals' initial values. */
function codeAddresses(buf) {
  const m = binaryen.readBinary(buf);
  const refs = [];
  const scan = (text) => {
    for (const [, n] of text.matchAll(/(?:i32\.const |offset=)(\d+)/g)) refs.push(Number(n));
  };
  for (let i = 0; i < m.getNumFunctions(); i++) {
    const f = binaryen.getFunctionInfo(m.getFunctionByIndex(i));
    if (f.body) scan(binaryen.emitText(f.body));
  }
  for (let i = 0; i < m.getNumGlobals(); i++) {
    const g = binaryen.getGlobalInfo(m.getGlobalByIndex(i));
    if (g.init) scan(binaryen.emitText(g.init));
  }
  m.dispose();
  return refs.sort((a, b) => a - b);
}

export function zeroDeadData(file) {
  const buf = readFileSync(file);
  const segs = segments(buf);
  const refs = codeAddresses(buf);
  const referenced = (addr, len) => {
    // Binary search for a reference in [addr, addr + len).
    let lo = 0;
    let hi = refs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (refs[mid] < addr) lo = mid + 1; else hi = mid;
    }
    return lo < refs.length && refs[lo] < addr + len;
  };
  let zeroed = 0;
  const kept = [];
  for (const s of segs) {
    const text = buf.toString('latin1', s.start, s.start + s.len);
    const spans = [...text.matchAll(PATH)].map((m) => [m.index, m[0].length, true]);
    for (const t of [...PANIC_TEXTS, DIGITS]) {
      for (let i = text.indexOf(t); i >= 0; i = text.indexOf(t, i + 1)) spans.push([i, t.length, false]);
    }
    for (const [i, len, always] of spans) {
      if (!always && referenced(s.addr + i, len)) {
        kept.push(text.slice(i, i + Math.min(len, 24)));
        continue;
      }
      buf.fill(0, s.start + i, s.start + i + len);
      zeroed += len;
    }
  }
  writeFileSync(file, buf);
  return { zeroed, kept };
}

//! Hostile stored state must not make the reader allocate more than the input warrants:
//! counts are checked against the bytes left, but every nesting level holds its vector at
//! once, so room reserved from counts alone claimed 64 times the input (4.3 GB for 1 MiB,
//! a trap in the tag on every page load). Its own test binary: it counts allocations.

use leadscore::state::codec::{read_state, read_value};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

struct Counting;
static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let c = NOW.fetch_add(l.size(), SeqCst) + l.size();
        PEAK.fetch_max(c, SeqCst);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        NOW.fetch_sub(l.size(), SeqCst);
        System.dealloc(p, l)
    }
}

#[global_allocator]
static A: Counting = Counting;

fn varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// One stored event of 64 nested objects, each claiming about as many fields as there are
/// bytes (1 MiB of state: 1.4 MB of base64 in localStorage).
fn hostile(total: usize) -> Vec<u8> {
    let mut b = b"LS\x02".to_vec();
    varint(&mut b, 1);
    b.push(0);
    for _ in 0..64 {
        b.push(6);
        varint(&mut b, total - 10 * 64);
        b.extend_from_slice(&[1, b'k']);
    }
    b.push(0);
    b.resize(total, 0xff);
    b
}

/// Bytes allocated at the peak of `f`, above what was allocated before it.
fn peak(f: impl FnOnce()) -> usize {
    let before = NOW.load(SeqCst);
    PEAK.store(before, SeqCst);
    f();
    PEAK.load(SeqCst) - before
}

#[test]
fn hostile_counts_reserve_no_more_than_the_input_warrants() {
    let total = 1 << 20;
    let bytes = hostile(total);
    let state = peak(|| {
        let (events, damaged) = read_state(&bytes).expect("state");
        assert!(
            events.is_empty() && damaged.is_some(),
            "the damaged event is reported"
        );
    });
    let value = peak(|| assert!(read_value(&bytes[5..]).is_none()));
    // Was 4.29 GB each; a few times the input is what reading may take.
    assert!(
        state < 8 * total,
        "read_state reserved {state} bytes for {total}"
    );
    assert!(
        value < 8 * total,
        "read_value reserved {value} bytes for {total}"
    );
}

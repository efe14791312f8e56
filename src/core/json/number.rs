//! Decimal text → f64, correctly rounded (round half to even), without the standard
//! library's tables: they cost the browser tag ~15 KB gzip, a third of its budget.
//!
//! The common case (≤ 15–16 significant digits and a small exponent: timestamps, dwell
//! times, points) is exact by Clinger's fast path. Anything else starts from a close
//! approximation and is corrected by comparing, exactly in big integers, the decimal value
//! with the halfway points between neighbouring doubles.

use crate::prelude::*;
use crate::text::slice;

/// Exact powers of ten representable as f64.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Digits beyond this many are folded into one sticky digit: they can only break a tie.
const MAX_DIGITS: usize = 800;

/// Parses JSON number text (already checked by the JSON grammar).
pub fn parse(text: &str) -> f64 {
    fast(text).unwrap_or_else(|| slow(text))
}

/// Clinger's fast path without allocating: ≤ 15 significant digits and |exponent| ≤ 22
/// make both operands exact, so one IEEE operation rounds correctly. Most numbers in
/// events (timestamps, dwell times) are integers and land here.
fn fast(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    let (neg, mut i) = if b.first() == Some(&b'-') {
        (true, 1)
    } else {
        (false, 0)
    };
    let (mut w, mut digits, mut frac) = (0u64, 0u32, 0i64);
    let mut in_frac = false;
    while let Some(&c) = b.get(i) {
        match c {
            b'0'..=b'9' => {
                if w != 0 || c != b'0' {
                    digits += 1;
                    if digits > 15 {
                        return None;
                    }
                }
                w = w * 10 + (c - b'0') as u64;
                frac += in_frac as i64;
            }
            b'.' => in_frac = true,
            _ => break,
        }
        i += 1;
    }
    let exp = if i < b.len() {
        parse_exp(slice(text, i + 1, text.len()))
    } else {
        0
    };
    let q = exp - frac;
    let v = if w == 0 {
        0.0
    } else if (0..=22).contains(&q) {
        w as f64 * POW10[q as usize]
    } else if (-22..0).contains(&q) {
        w as f64 / POW10[-q as usize]
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

fn slow(text: &str) -> f64 {
    let (neg, body) = match text.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, text),
    };
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (slice(body, 0, i), parse_exp(slice(body, i + 1, body.len()))),
        None => (body, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // All significant digits, and the decimal exponent of the last one.
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).map(|b| b - b'0').collect();
    let lead = digits.iter().take_while(|&&d| d == 0).count();
    digits.drain(..lead);
    let mut q = exp.saturating_sub(frac.len() as i64);
    while digits.last() == Some(&0) {
        digits.pop();
        q += 1;
    }
    let v = magnitude(&mut digits, q);
    if neg {
        -v
    } else {
        v
    }
}

fn parse_exp(s: &str) -> i64 {
    let (neg, d) = match s.as_bytes().first() {
        Some(b'-') => (true, slice(s, 1, s.len())),
        Some(b'+') => (false, slice(s, 1, s.len())),
        _ => (false, s),
    };
    // Saturate: 1e99999999999 is simply infinite.
    let n = d
        .bytes()
        .fold(0i64, |n, b| (n * 10 + (b - b'0') as i64).min(1 << 40));
    if neg {
        -n
    } else {
        n
    }
}

fn magnitude(digits: &mut Vec<u8>, mut q: i64) -> f64 {
    if digits.is_empty() {
        return 0.0;
    }
    if digits.len() > MAX_DIGITS {
        let dropped = digits.len() - MAX_DIGITS;
        let nonzero = digits[MAX_DIGITS..].iter().any(|&d| d != 0);
        digits.truncate(MAX_DIGITS);
        q += dropped as i64;
        // A sticky 1 after the kept digits: enough to break any tie the right way.
        if nonzero {
            digits.push(1);
            q -= 1;
        }
    }
    let n = digits.len() as i64;
    if n + q > 310 {
        return f64::INFINITY;
    }
    if n + q < -330 {
        return 0.0;
    }
    let w = digits
        .iter()
        .fold(0u64, |w, &d| w.wrapping_mul(10).wrapping_add(d as u64));
    if n <= 15 && (-22..=22).contains(&q) {
        let w = w as f64;
        return if q >= 0 {
            w * POW10[q as usize]
        } else {
            w / POW10[-q as usize]
        };
    }
    // An approximation within a few units in the last place...
    let head = digits.iter().take(19).fold(0u64, |w, &d| w * 10 + d as u64) as f64;
    let scale = q + n - n.min(19);
    let mut z = scaled(head, scale);
    if !z.is_finite() {
        z = f64::MAX;
    }
    // ...then walk to the correctly rounded double.
    use core::cmp::Ordering::*;
    let big = Big::from_digits(digits);
    for _ in 0..64 {
        if z == f64::MAX && compare_mid(&big, q, z, f64::INFINITY) != Less {
            return f64::INFINITY;
        }
        let up = next_up(z);
        match compare_mid(&big, q, z, up) {
            Greater => {
                z = up;
                continue;
            }
            Equal => return if bits(z).0 & 1 == 0 { z } else { up },
            Less => {}
        }
        if z == 0.0 {
            return z;
        }
        let down = next_down(z);
        match compare_mid(&big, q, down, z) {
            Less => z = down,
            Equal => return if bits(z).0 & 1 == 0 { z } else { down },
            Greater => return z,
        }
    }
    z
}

/// `x · 10^e` in two steps, so neither power over- or underflows on its own.
fn scaled(x: f64, e: i64) -> f64 {
    let half = e / 2;
    x * libm::pow(10.0, half as f64) * libm::pow(10.0, (e - half) as f64)
}

/// `z` as `m · 2^e` with integer `m` (53 bits for normal numbers).
fn bits(z: f64) -> (u64, i64) {
    let b = z.to_bits();
    let exp = ((b >> 52) & 0x7ff) as i64;
    let frac = b & ((1 << 52) - 1);
    if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1 << 52), exp - 1075)
    }
}

fn next_up(z: f64) -> f64 {
    f64::from_bits(z.to_bits() + 1)
}
fn next_down(z: f64) -> f64 {
    f64::from_bits(z.to_bits() - 1)
}

/// Compares the decimal `big · 10^q` with the midpoint of the doubles `a < b`, exactly.
/// `b` may be infinity, standing for the first power of two past `f64::MAX`.
fn compare_mid(big: &Big, q: i64, a: f64, b: f64) -> core::cmp::Ordering {
    let (ma, ea) = bits(a);
    let (mb, eb) = if b.is_infinite() {
        (1 << 53, 971)
    } else {
        bits(b)
    };
    let e = ea.min(eb);
    // midpoint = (ma·2^(ea−e) + mb·2^(eb−e)) · 2^(e−1)
    let mid = (ma << (ea - e)) + (mb << (eb - e));
    let mut lhs = big.clone();
    let mut rhs = Big::from_u64(mid);
    if q >= 0 {
        lhs.mul_pow5(q as u32);
    } else {
        rhs.mul_pow5((-q) as u32);
    }
    // lhs · 2^q  vs  rhs · 2^(e−1)
    let shift = q - (e - 1);
    if shift >= 0 {
        lhs.shl(shift as u32);
    } else {
        rhs.shl((-shift) as u32);
    }
    lhs.cmp(&rhs)
}

/// A little-endian big unsigned integer: just what the comparison needs.
#[derive(Clone)]
struct Big(Vec<u32>);

impl Big {
    fn from_u64(v: u64) -> Big {
        let mut b = Big(vec![v as u32, (v >> 32) as u32]);
        b.trim();
        b
    }
    fn from_digits(digits: &[u8]) -> Big {
        let mut b = Big(Vec::with_capacity(digits.len() / 9 + 1));
        for chunk in digits.chunks(9) {
            let mut v = 0u32;
            for &d in chunk {
                v = v * 10 + d as u32;
            }
            b.mul_small(10u32.pow(chunk.len() as u32), v);
        }
        b
    }
    fn mul_small(&mut self, m: u32, add: u32) {
        let mut carry = add as u64;
        for limb in self.0.iter_mut() {
            let v = *limb as u64 * m as u64 + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }
    fn mul_pow5(&mut self, mut e: u32) {
        while e >= 13 {
            self.mul_small(1_220_703_125, 0); // 5^13
            e -= 13;
        }
        self.mul_small(5u32.pow(e), 0);
    }
    fn shl(&mut self, bits: u32) {
        let (words, bits) = ((bits / 32) as usize, bits % 32);
        if bits > 0 {
            let mut carry = 0u32;
            for limb in self.0.iter_mut() {
                let v = (*limb << bits) | carry;
                carry = *limb >> (32 - bits);
                *limb = v;
            }
            if carry > 0 {
                self.0.push(carry);
            }
        }
        self.0.splice(0..0, core::iter::repeat_n(0, words));
    }
    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }
    fn cmp(&self, other: &Big) -> core::cmp::Ordering {
        let (mut a, mut b) = (self.clone(), other.clone());
        a.trim();
        b.trim();
        a.0.len()
            .cmp(&b.0.len())
            .then_with(|| a.0.iter().rev().cmp(b.0.iter().rev()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_std_on_hard_and_common_cases() {
        let cases = [
            "0",
            "-0",
            "1",
            "12000",
            "1763856000000",
            "0.5",
            "40.00020056502934",
            "12.500200565029337",
            "0.1",
            "0.30000000000000004",
            "2.2250738585072014e-308",
            "2.2250738585072011e-308",
            "4.9406564584124654e-324",
            "1.7976931348623157e308",
            "9007199254740993",
            "9007199254740992.5",
            "123456789012345678901234567890",
            "1e22",
            "1e23",
            "8.589973e9",
            "7.1e-10",
            "0.000000000000000000000000000001",
            "3.14159265358979323846264338327950288",
            "1.00000000000000011102230246251565404236316680908203125",
            "1.00000000000000011102230246251565404236316680908203124",
            "1.00000000000000011102230246251565404236316680908203126",
            "1e999",
            "1e-999",
            "123.456e-7",
            "5e-324",
            "2.4703282292062328e-324",
        ];
        for c in cases {
            let want: f64 = c.parse().unwrap();
            assert_eq!(parse(c).to_bits(), want.to_bits(), "{c}");
        }
    }

    #[test]
    fn agrees_with_std_on_many_generated_numbers() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = f64::from_bits(x >> 1);
            if !v.is_finite() {
                continue;
            }
            for text in [format!("{v}"), format!("{v:e}"), format!("{:.3e}", v)] {
                let want: f64 = text.parse().unwrap();
                assert_eq!(parse(&text).to_bits(), want.to_bits(), "{text}");
            }
        }
    }

    #[test]
    fn agrees_with_std_on_long_random_digit_strings() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let len = 1 + (next() % 40) as usize;
            let digits: String = (0..len)
                .map(|_| (b'0' + (next() % 10) as u8) as char)
                .collect();
            let exp = (next() % 700) as i64 - 350;
            let text = format!("{}.{}0e{exp}", &digits[..1], &digits[1..]);
            let want: f64 = text.parse().unwrap();
            assert_eq!(parse(&text).to_bits(), want.to_bits(), "{text}");
        }
    }
}

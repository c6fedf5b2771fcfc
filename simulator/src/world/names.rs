//! Names and identifiers as Kubernetes generates them, drawn from the world's seeded generator.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// The alphabet Kubernetes uses for generated name suffixes (no vowels, no confusable digits).
const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// A random suffix of `n` characters, as `generateName` produces for pods (`-xk2p9`).
pub(crate) fn random_suffix(rng: &mut ChaCha8Rng, n: usize) -> String {
    (0..n)
        .map(|_| ALPHANUMS[rng.random_range(0..ALPHANUMS.len())] as char)
        .collect()
}

/// The `pod-template-hash` of a pod template: a 32-bit FNV-1a hash of the template's JSON form,
/// salted with the world's seed, printed in decimal and mapped through the name alphabet the way
/// the ReplicaSet controller does, so equal templates get equal hashes and an undo returns to the
/// same ReplicaSet.
pub(crate) fn template_hash(seed: u64, template_json: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in seed.to_le_bytes().iter().chain(template_json.as_bytes()) {
        hash ^= u32::from(*byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash.to_string()
        .bytes()
        .map(|b| ALPHANUMS[usize::from(b) % ALPHANUMS.len()] as char)
        .collect()
}

/// A version-4-shaped UUID from the generator.
pub(crate) fn uid(rng: &mut ChaCha8Rng) -> String {
    let a: u128 = rng.random();
    let hex = format!("{a:032x}");
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

/// Lower-case hex of `n` random bytes (container IDs, event name suffixes).
pub(crate) fn hex(rng: &mut ChaCha8Rng, n: usize) -> String {
    (0..n)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn template_hashes_use_the_digit_subset_of_the_alphabet_and_are_stable() {
        let h = template_hash(7, "{\"a\":1}");
        assert_eq!(h, template_hash(7, "{\"a\":1}"));
        assert_ne!(h, template_hash(8, "{\"a\":1}"));
        assert!(h.chars().all(|c| "456789bcdf".contains(c)), "{h}");
        assert!((1..=10).contains(&h.len()));
    }

    #[test]
    fn suffixes_and_uids_have_kubernetes_shapes() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let s = random_suffix(&mut rng, 5);
        assert_eq!(s.len(), 5);
        assert!(s.bytes().all(|b| ALPHANUMS.contains(&b)));
        let u = uid(&mut rng);
        assert_eq!(u.len(), 36);
        assert_eq!(u.as_bytes()[14], b'4');
    }
}

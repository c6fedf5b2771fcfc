//! Kubernetes resource quantities (`100m`, `1`, `200Mi`, `16Gi`): parsing, sums and the
//! canonical form the API machinery prints.

/// A quantity in thousandths of its base unit, with the suffix family it was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quantity {
    /// Value in thousandths (milli-units) of the base unit.
    pub millis: i128,
    /// Whether it was written with binary suffixes (`Ki`, `Mi`, `Gi`).
    pub binary: bool,
}

impl Quantity {
    /// The zero quantity.
    pub const ZERO: Quantity = Quantity {
        millis: 0,
        binary: false,
    };

    /// Parses a quantity string; `None` when it is malformed.
    pub fn parse(text: &str) -> Option<Quantity> {
        let text = text.trim();
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
            .unwrap_or(text.len());
        let (number, suffix) = text.split_at(split);
        if number.is_empty() {
            return None;
        }
        let (scale_num, scale_den, binary): (i128, i128, bool) = match suffix {
            "" => (1000, 1, false),
            "m" => (1, 1, false),
            "k" => (1_000_000, 1, false),
            "M" => (1_000_000_000, 1, false),
            "G" => (1_000_000_000_000, 1, false),
            "T" => (1_000_000_000_000_000, 1, false),
            "Ki" => (1000 * 1024, 1, true),
            "Mi" => (1000 * 1024 * 1024, 1, true),
            "Gi" => (1000 * 1024 * 1024 * 1024, 1, true),
            "Ti" => (1000 * 1024_i128.pow(4), 1, true),
            _ => return None,
        };
        let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
        let negative = int_part.starts_with('-');
        let int_digits = int_part.trim_start_matches(['-', '+']);
        let int: i128 = if int_digits.is_empty() {
            0
        } else {
            int_digits.parse().ok()?
        };
        let mut millis = int * scale_num / scale_den;
        if !frac_part.is_empty() {
            let frac: i128 = frac_part.parse().ok()?;
            let den = 10_i128.pow(frac_part.len() as u32);
            millis += frac * scale_num / den / scale_den;
        }
        Some(Quantity {
            millis: if negative { -millis } else { millis },
            binary,
        })
    }

    /// The value in milli-units, as `MilliValue()` reads it.
    pub fn milli_value(self) -> i128 {
        self.millis
    }

    /// The value in whole base units, rounded up, as `Value()` reads it.
    pub fn value(self) -> i128 {
        (self.millis + 999).div_euclid(1000)
    }

    /// The canonical string: the largest suffix of the quantity's family that keeps the value
    /// whole (`1199m`, `2400Mi`, `1Gi`, `0`).
    pub fn canonical(self) -> String {
        if self.millis == 0 {
            return "0".into();
        }
        if self.millis % 1000 != 0 {
            return format!("{}m", self.millis);
        }
        let units = self.millis / 1000;
        if self.binary {
            for (suffix, factor) in [
                ("Ti", 1024_i128.pow(4)),
                ("Gi", 1024_i128.pow(3)),
                ("Mi", 1024 * 1024),
                ("Ki", 1024),
            ] {
                if units % factor == 0 {
                    return format!("{}{suffix}", units / factor);
                }
            }
            return units.to_string();
        }
        for (suffix, factor) in [
            ("T", 1_000_000_000_000_i128),
            ("G", 1_000_000_000),
            ("M", 1_000_000),
            ("k", 1000),
        ] {
            if units % factor == 0 {
                return format!("{}{suffix}", units / factor);
            }
        }
        units.to_string()
    }
}

impl std::ops::Add for Quantity {
    type Output = Quantity;

    /// The sum of two quantities; binary if either is.
    fn add(self, other: Quantity) -> Quantity {
        Quantity {
            millis: self.millis + other.millis,
            binary: self.binary || other.binary,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn quantities_parse_sum_and_print_canonically() {
        let cpu = Quantity::parse("100m").unwrap() + Quantity::parse("99m").unwrap();
        assert_eq!(cpu.canonical(), "199m");
        assert_eq!(
            (Quantity::parse("1").unwrap() + Quantity::parse("500m").unwrap()).canonical(),
            "1500m"
        );
        let mem = Quantity::parse("512Mi").unwrap() + Quantity::parse("512Mi").unwrap();
        assert_eq!(mem.canonical(), "1Gi");
        assert_eq!(Quantity::parse("300Mi").unwrap().canonical(), "300Mi");
        assert_eq!(Quantity::parse("1.5").unwrap().milli_value(), 1500);
        assert_eq!(
            Quantity::parse("16Gi").unwrap().value(),
            16 * 1024 * 1024 * 1024
        );
        assert!(Quantity::parse("abc").is_none());
        assert!(Quantity::parse("10Qi").is_none());
    }
}

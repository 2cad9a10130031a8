//! Typed numbers as value text: the one place an `f64` becomes the text of a cloud value.

use crate::{CloudValue, WireError};

impl From<f64> for CloudValue {
    /// Plain decimal text (see [`plain_decimal`]). NaN and infinities become `NaN`,
    /// `Infinity`, `-Infinity`, which every [`ValueRules`](crate::ValueRules) refuses with a clear error; use
    /// [`CloudValue::number`] to get that error right away.
    fn from(x: f64) -> Self {
        CloudValue::new(plain_decimal(x).unwrap_or_else(|_| non_finite_text(x).to_owned()))
    }
}

impl From<f32> for CloudValue {
    /// Like `From<f64>`, with the shortest digits of the `f32` (`0.1f32` is `0.1`).
    fn from(x: f32) -> Self {
        CloudValue::new(
            plain_decimal_f32(x).unwrap_or_else(|_| non_finite_text(x.into()).to_owned()),
        )
    }
}

impl CloudValue {
    /// A typed number as plain decimal text; NaN and infinities are refused.
    ///
    /// # Errors
    /// A [`WireError`] of kind [`WireErrorKind::InvalidValue`](crate::WireErrorKind::InvalidValue) for NaN and infinities.
    pub fn number(x: f64) -> Result<Self, WireError> {
        plain_decimal(x).map(CloudValue::new)
    }
}

fn non_finite_text(x: f64) -> &'static str {
    if x.is_nan() {
        "NaN"
    } else if x > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    }
}

/// A typed number written the way every cloud server relays it: plain decimal, shortest
/// digits that read back as the same `f64`, never an exponent (`1e21` is
/// `1000000000000000000000`, `1e-7` is `0.0000001`), `-0.0` is `0`. NaN and infinities have no
/// such text and are refused. This is the one place typed numbers become value text.
///
/// # Errors
/// A [`WireError`] of kind [`WireErrorKind::InvalidValue`](crate::WireErrorKind::InvalidValue) for NaN and infinities.
pub fn plain_decimal(x: f64) -> Result<String, WireError> {
    if !x.is_finite() {
        return Err(non_finite(non_finite_text(x)));
    }
    // Rust's `Display` for floats prints the shortest round-trip digits without an exponent.
    Ok(if x == 0.0 {
        "0".to_owned()
    } else {
        format!("{x}")
    })
}

/// [`plain_decimal`] for an `f32`, with the `f32`'s own shortest digits.
///
/// # Errors
/// A [`WireError`] of kind [`WireErrorKind::InvalidValue`](crate::WireErrorKind::InvalidValue) for NaN and infinities.
pub fn plain_decimal_f32(x: f32) -> Result<String, WireError> {
    if !x.is_finite() {
        return Err(non_finite(non_finite_text(x.into())));
    }
    Ok(if x == 0.0 {
        "0".to_owned()
    } else {
        format!("{x}")
    })
}

fn non_finite(text: &str) -> WireError {
    WireError::value("", text, NOT_FINITE)
}

pub(crate) const NOT_FINITE: &str =
    "a number must be finite (NaN and infinity have no decimal text)";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{is_plain_decimal, ValueRules};

    #[test]
    fn typed_numbers_are_plain_decimal() {
        let cases: [(f64, &str); 10] = [
            (1e5, "100000"),
            (1e21, "1000000000000000000000"),
            (1e-7, "0.0000001"),
            (-0.0, "0"),
            (0.0, "0"),
            (-2.5, "-2.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (123456789012345680.0, "123456789012345680"),
            (5e-324, &format!("0.{}5", "0".repeat(323))),
            (f64::MAX, &format!("{}", f64::MAX)),
        ];
        for (x, want) in cases {
            let text = plain_decimal(x).unwrap();
            assert_eq!(text, want, "{x:?}");
            assert!(is_plain_decimal(&text), "{text}");
            assert_eq!(text.parse::<f64>().unwrap(), x, "round trip {x:?}");
            assert_eq!(CloudValue::from(x).as_str(), want);
            assert!(ValueRules::turbowarp()
                .check("x", &CloudValue::from(x))
                .is_ok());
        }
        assert_eq!(CloudValue::from(0.1f32).as_str(), "0.1");
        assert_eq!(CloudValue::from(1e20f32).as_str(), "100000000000000000000");
        for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let e = CloudValue::number(x).unwrap_err();
            assert!(e.to_string().contains("finite"), "{e}");
            let e = ValueRules::turbowarp()
                .check("score", &CloudValue::from(x))
                .unwrap_err();
            assert!(e.to_string().contains("score") && e.to_string().contains("finite"));
        }
    }
}

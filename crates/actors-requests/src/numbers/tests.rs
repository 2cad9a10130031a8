use super::*;

fn int(n: i64) -> Option<BigInt> {
    Some(BigInt::from(n))
}

#[test]
fn decimal_digits_in_every_script() {
    assert_eq!(decimal_value('0'), Some(0));
    assert_eq!(decimal_value('9'), Some(9));
    assert_eq!(decimal_value('٣'), Some(3));
    assert_eq!(decimal_value('\u{1FBF9}'), Some(9));
    assert_eq!(decimal_value('a'), None);
    assert_eq!(decimal_value('½'), None);
    assert_eq!(decimal_value('\u{0}'), None);
    assert_eq!(decimal_value('/'), None);
}

#[test]
fn python_int() {
    assert_eq!(py_int("5"), int(5));
    assert_eq!(py_int("007"), int(7));
    assert_eq!(py_int("1_000"), int(1000));
    assert_eq!(py_int("٣"), int(3));
    assert_eq!(py_int("5\t"), int(5));
    assert_eq!(py_int(" -5 "), int(-5));
    assert_eq!(
        py_int("123456789012345678901234567890"),
        "123456789012345678901234567890".parse().ok()
    );
    for bad in [
        "", "1e5", "0x1A", "1__0", "_1", "1_", "5.5", "1.2.3", "½", "5\t6", "+",
    ] {
        assert_eq!(py_int(bad), None, "{bad:?}");
    }
}

#[test]
fn python_float() {
    assert_eq!(py_float("5.5"), Some(5.5));
    assert_eq!(py_float("5."), Some(5.0));
    assert_eq!(py_float(".5"), Some(0.5));
    assert_eq!(py_float("-.5"), Some(-0.5));
    assert_eq!(py_float("1.5e3"), Some(1500.0));
    assert_eq!(py_float("1.5E-3"), Some(0.0015));
    assert_eq!(py_float("1_0.2_5"), Some(10.25));
    assert_eq!(py_float("٣.٥"), Some(3.5));
    assert_eq!(py_float("inf"), Some(f64::INFINITY));
    assert_eq!(py_float("-Infinity"), Some(f64::NEG_INFINITY));
    assert!(py_float("nan").is_some_and(f64::is_nan));
    for bad in [
        "", ".", "1.2.3", "1e", "1._5", "e5", "5.x", "0x1A", "1e5.5", "--5",
    ] {
        assert_eq!(py_float(bad), None, "{bad:?}");
    }
}

#[test]
fn javascript_number() {
    let i = |n: i64| Some(Number::Int(BigInt::from(n)));
    let f = |x: f64| Some(Number::Float(x));
    assert_eq!(js_number("5"), i(5));
    assert_eq!(js_number("-5"), i(-5));
    assert_eq!(js_number("+5"), i(5));
    assert_eq!(js_number(" 5"), i(5));
    assert_eq!(js_number("5\u{a0}\u{feff}\n"), i(5));
    assert_eq!(js_number("5.0"), f(5.0));
    assert_eq!(js_number("5."), f(5.0));
    assert_eq!(js_number("-.5"), f(-0.5));
    assert_eq!(js_number("1e5"), f(100000.0));
    assert_eq!(js_number("1E-2"), f(0.01));
    assert_eq!(js_number("0x1A"), i(26));
    assert_eq!(js_number("0O17"), i(15));
    assert_eq!(js_number("0b101"), i(5));
    assert_eq!(js_number("Infinity"), f(f64::INFINITY));
    assert_eq!(js_number("-Infinity"), f(f64::NEG_INFINITY));
    assert_eq!(js_number("1e400"), f(f64::INFINITY));
    for bad in [
        "", " ", "abc", "nan", "NaN", "infinity", "-0x1A", "0x", "1_000", "1.2.3", ".", "e5", "1e",
        "٣", "5 6", "ä", "日本",
    ] {
        assert_eq!(js_number(bad), None, "{bad:?}");
        assert!(!is_scratch_numeric(bad));
    }
}

#[test]
fn whitespace_and_words() {
    assert!(is_py_space('\u{1c}') && !is_js_space('\u{1c}'));
    assert!(is_js_space('\u{feff}') && !is_py_space('\u{feff}'));
    assert!(is_py_space('\u{85}') && !is_js_space('\u{85}'));
    assert!(is_py_space('\u{3000}') && is_js_space('\u{3000}'));
    assert!(is_word_char('_') && is_word_char('é') && is_word_char('٣'));
    assert!(!is_word_char('-') && !is_word_char('(') && !is_word_char(' '));
    assert_eq!(py_strip("\u{1f} a b\u{a0}"), "a b");
}

#[test]
fn digit_limit_of_python_int() {
    assert!(py_int(&"7".repeat(4300)).is_some());
    assert!(py_int(&format!("-{}", "7".repeat(4300))).is_some());
    assert!(py_int(&"7".repeat(4301)).is_none());
    // JavaScript reads a longer integer as a float.
    assert_eq!(
        js_number(&"7".repeat(5000)),
        Some(Number::Float(f64::INFINITY))
    );
}

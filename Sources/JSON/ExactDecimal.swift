/// w × 10^q as the nearest double (ties to even), which is what strtod gives, without strtod, for the decimals
/// a runtime is made of: w fits in 64 bits and |q| ≤ 22.
///
/// Up to 2⁵³, w is an exact double and so is 10^|q|: one multiplication or division rounds correctly (Clinger's
/// fast path). Above it (the 17-digit fractions a float's shortest spelling often needs, "27.861282449999997"),
/// w × 5^q or w / 5^|q| is formed exactly in 128 bits and rounded once; the power of two is exact. strtod took
/// a tenth of the runtime decoder's time before (`perf`, a 10,000-runtime import).
enum ExactDecimal {
    static func value(_ w: UInt64, tenToThe q: Int) -> Double? {
        guard q >= -22, q <= 22 else { return nil }
        if w <= 1 << 53 {
            let significand = Double(w)
            return q < 0 ? significand / powersOfTen[-q] : significand * powersOfTen[q]
        }
        if q >= 0 {
            let product = w.multipliedFullWidth(by: powersOfFive[q])
            return rounded(high: product.high, low: product.low, inexact: false, twoToThe: q)
        }
        // w / 5^k, k = -q, scaled by 2^s so that the quotient has 63 or 64 bits: it then fits one word and still
        // holds the 53 bits kept, the rounding bit and more; the remainder says whether anything lies below.
        let divisor = powersOfFive[-q]
        let shift = 63 - (64 - w.leadingZeroBitCount) + (64 - divisor.leadingZeroBitCount)
        let high = shift == 0 ? 0 : w >> UInt64(64 - shift)
        let (quotient, remainder) = divisor.dividingFullWidth((high: high, low: w << UInt64(shift)))
        return rounded(high: 0, low: quotient, inexact: remainder != 0, twoToThe: q - shift)
    }

    /// The 128-bit integer `high:low` (with `inexact` when something nonzero was below it) times 2^exponent,
    /// rounded to 53 bits, half to even. The integer has more than 53 bits.
    private static func rounded(high: UInt64, low: UInt64, inexact: Bool, twoToThe exponent: Int) -> Double {
        let bits = high != 0 ? 128 - high.leadingZeroBitCount : 64 - low.leadingZeroBitCount
        var dropped = bits - 53
        func bit(_ index: Int) -> Bool {
            index < 64 ? (low >> UInt64(index)) & 1 == 1 : (high >> UInt64(index - 64)) & 1 == 1
        }
        func anyBelow(_ index: Int) -> Bool {
            if index <= 0 { return false }
            if index <= 64 { return low & (index == 64 ? ~0 : (1 << UInt64(index)) - 1) != 0 }
            return low != 0 || high & ((1 << UInt64(index - 64)) - 1) != 0
        }
        var mantissa =
            dropped >= 64
            ? high >> UInt64(dropped - 64) : (high << UInt64(64 - dropped)) | (low >> UInt64(dropped))
        if bit(dropped - 1) && (inexact || anyBelow(dropped - 1) || mantissa & 1 == 1) {
            mantissa += 1
            if mantissa == 1 << 53 {
                mantissa = 1 << 52
                dropped += 1
            }
        }
        return Double(sign: .plus, exponent: exponent + dropped, significand: Double(mantissa))
    }

    /// 10^0 … 10^22, every one an exact double.
    private static let powersOfTen: [Double] = (0...22).map { exponent in
        (0..<exponent).reduce(1.0) { value, _ in value * 10 }
    }

    /// 5^0 … 5^22 (5^22 < 2⁵²).
    private static let powersOfFive: [UInt64] = (0...22).map { exponent in
        (0..<exponent).reduce(1) { value, _ in value * 5 }
    }
}

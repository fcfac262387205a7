/// `exp` of eight doubles at once, for TPE's densities: a sum over every told trial's component, 24 times
/// per candidate parameter, where libm's scalar `exp` was most of a sweep's sampling time.
///
/// Cody–Waite reduction (x = k·ln 2 + r, |r| ≤ ln 2 / 2) and r's Taylor series to the 13th power (truncation
/// below 10⁻¹⁷ relative): within a few ulp of libm, and the same bits on every machine (only +, × and rounding,
/// all exactly specified). Every step is a lane-wise operation the compiler keeps in vector registers: no
/// fused multiply-add (without hardware FMA in the build's target it is a libm call per lane) and no
/// float-to-integer conversion (its generic form is a scalar loop); k's bits come from adding 1.5·2⁵², which
/// also rounds it. Arguments below −708, where the result leaves the normal range, give 0: TPE adds them to a
/// sum of at least 1, which they could not change.
enum VectorExp {
    typealias Lanes = SIMD8<Double>
    private typealias Bits = SIMD8<UInt64>

    private static let log2e = 1.4426950408889634
    /// ln 2 split so that k · high is exact for every k used here.
    private static let ln2High = 6.93147180369123816490e-01
    private static let ln2Low = 1.90821492927058770002e-10
    private static let floor = -708.0
    /// 1.5·2⁵²: adding it rounds to an integer, which its low mantissa bits then hold.
    private static let shifter = 6_755_399_441_055_744.0

    @inline(__always)
    static func exp(_ x: Lanes) -> Lanes {
        let underflow = x .< Lanes(repeating: floor)
        let clamped = x.replacing(with: floor, where: underflow)
        let shifted = clamped * log2e + shifter
        let k = shifted - shifter
        let r = (clamped - k * ln2High) - k * ln2Low
        // Horner, from 1/13! down to 1/0!.
        var series = Lanes(repeating: 1 / 6_227_020_800)
        series = series * r + 1 / 479_001_600
        series = series * r + 1 / 39_916_800
        series = series * r + 1 / 3_628_800
        series = series * r + 1 / 362_880
        series = series * r + 1 / 40_320
        series = series * r + 1 / 5_040
        series = series * r + 1 / 720
        series = series * r + 1 / 120
        series = series * r + 1 / 24
        series = series * r + 1 / 6
        series = series * r + 1 / 2
        series = series * r + 1
        series = series * r + 1
        // shifted's bits are shifter's bits plus k; the biased exponent is k + 1023.
        let biased = unsafeBitCast(shifted, to: Bits.self) &- shifter.bitPattern &+ 1023
        let scale = unsafeBitCast(biased &<< 52, to: Lanes.self)
        return (series * scale).replacing(with: 0, where: underflow)
    }
}

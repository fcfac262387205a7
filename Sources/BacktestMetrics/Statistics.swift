#if canImport(Glibc)
    import Glibc
#endif

/// Summation and moments with Neumaier compensation, so long series agree with Python's `math.fsum`
/// used for the reference values to well within their 1e-9 tolerance.
enum Statistics {
    static func sum(_ values: some Sequence<Double>) -> Double {
        var total = 0.0
        var compensation = 0.0
        for value in values {
            let next = total + value
            if abs(total) >= abs(value) {
                compensation += (total - next) + value
            } else {
                compensation += (value - next) + total
            }
            total = next
        }
        return total + compensation
    }

    static func mean(_ values: [Double]) -> Double { values.isEmpty ? .nan : sum(values) / Double(values.count) }

    /// Standard deviation with `ddof` delta degrees of freedom; NaN when there are not more than `ddof` values.
    static func standardDeviation(_ values: [Double], ddof: Int) -> Double {
        guard values.count > ddof else { return .nan }
        let average = mean(values)
        return sqrt(sum(values.map { ($0 - average) * ($0 - average) }) / Double(values.count - ddof))
    }

    /// Exactly equal extremes: the only dispersion test that cannot be fooled by a 1e-18 residue.
    static func hasNoDispersion(_ values: [Double]) -> Bool {
        guard let first = values.first else { return true }
        return values.allSatisfy { $0 == first }
    }
}

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension Date {
    /// This instant to the nearest microsecond (the precision events are stored with), built as reading a stored
    /// timestamp back builds it: whole seconds plus the fraction. An event kept in memory then equals the same event
    /// read from storage. Instants past ±100,000 years are left as they are.
    public var roundedToMicroseconds: Date {
        let seconds = self.timeIntervalSince1970
        guard seconds.isFinite, abs(seconds) < 3.2e12 else { return self }
        let micros = Int64((seconds * 1_000_000).rounded())
        let (whole, fraction) = micros.quotientAndRemainder(dividingBy: 1_000_000)
        let (second, micro) = fraction < 0 ? (whole - 1, fraction + 1_000_000) : (whole, fraction)
        return Date(timeIntervalSince1970: Double(second) + Double(micro) / 1_000_000)
    }
}
